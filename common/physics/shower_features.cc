#include "common/physics/shower_features.h"

#include <cmath>

namespace cascade::physics {
namespace {

// 10^t for t = kSparsityMinExp..0, as float to compare against float cells.
std::array<float, kSparsityPoints> SparsityThresholds() {
  std::array<float, kSparsityPoints> t{};
  for (int i = 0; i < kSparsityPoints; ++i)
    t[i] = static_cast<float>(std::pow(10.0, kSparsityMinExp + i));
  return t;
}

void Moments(const double* profile, double e, double* m1, double* m2) {
  double s1 = 0.0;
  for (int i = 0; i < kGrid; ++i) s1 += i * profile[i];
  const double mean = s1 / e;
  double s2 = 0.0;
  for (int i = 0; i < kGrid; ++i) s2 += (i - mean) * (i - mean) * profile[i];
  *m1 = mean;
  *m2 = s2 / e;
}

}  // namespace

ShowerFeatures ComputeShowerFeatures(const ShowerView& showers,
                                     std::span<const uint8_t> want_spectrum) {
  const int64_t n = showers.n;
  ShowerFeatures f;
  f.n = n;
  f.energy.assign(showers.energy.begin(), showers.energy.end());
  f.ecal.assign(n, 0.0);
  f.profiles.assign(n * 3 * kGrid, 0.0f);
  f.m1.assign(n * 3, 0.0);
  f.m2.assign(n * 3, 0.0);
  f.hits.assign(n, 0);
  f.max_cell.assign(n * 3, 0);
  f.thirds.assign(n * 3, 0.0);
  f.sparsity.assign(n * kSparsityPoints, 0.0f);
  f.spectrum_index.assign(n, -1);
  int32_t rows = 0;
  for (int64_t e = 0; e < n && !want_spectrum.empty(); ++e) {
    if (want_spectrum[e]) f.spectrum_index[e] = rows++;
  }
  f.spectra.assign(static_cast<size_t>(rows) * kSpectrumBins, 0u);
  const std::array<float, kSparsityPoints> thresholds = SparsityThresholds();
  const float* cells = showers.ecal.data();

#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t e = 0; e < n; ++e) {
    const float* shower = cells + e * kCellsPerShower;
    double px[kGrid] = {}, py[kGrid] = {}, pz[kGrid] = {};
    // above[k]: cells that pass exactly k thresholds (k = 0..kSparsityPoints).
    int32_t above[kSparsityPoints + 1] = {};
    int32_t hits = 0;
    float max_value = -1.0f;
    int64_t max_index = 0;
    uint32_t* spectrum = f.spectrum_index[e] >= 0
                             ? &f.spectra[f.spectrum_index[e] * size_t{kSpectrumBins}]
                             : nullptr;
    for (int x = 0; x < kGrid; ++x) {
      for (int y = 0; y < kGrid; ++y) {
        const float* row = shower + (x * kGrid + y) * kGrid;  // (z)
        double row_sum = 0.0;
        for (int z = 0; z < kGrid; ++z) {  // vectorisable: no branches
          row_sum += row[z];
          pz[z] += row[z];
        }
        px[x] += row_sum;
        py[y] += row_sum;
        if (row_sum == 0.0) continue;  // sparse showers: most rows are empty
        for (int z = 0; z < kGrid; ++z) {
          const float v = row[z];
          if (v > max_value) {
            max_value = v;
            max_index = (x * kGrid + y) * kGrid + z;
          }
          if (!(v > 0.0f)) continue;
          hits += v > static_cast<float>(kHitThreshold);
          // Most cells are far below 1 GeV, so scanning down from the top ends early.
          int k = 0;
          for (int t = kSparsityPoints - 1; t >= 0; --t) {
            if (v > thresholds[t]) {
              k = t + 1;
              break;
            }
          }
          ++above[k];
          if (spectrum != nullptr) {
            const double lg = std::log10(static_cast<double>(v));
            if (lg >= kSpectrumLo && lg < kSpectrumHi) {
              const int bin = static_cast<int>((lg - kSpectrumLo) / (kSpectrumHi - kSpectrumLo) *
                                               kSpectrumBins);
              ++spectrum[bin < kSpectrumBins ? bin : kSpectrumBins - 1];
            }
          }
        }
      }
    }
    double total = 0.0;
    for (int z = 0; z < kGrid; ++z) total += pz[z];
    f.ecal[e] = total;
    f.hits[e] = hits;
    // A shower with no positive cell keeps argmax (0,0,0), as numpy's argmax does.
    f.max_cell[e * 3 + 0] = static_cast<int8_t>(max_index / (kGrid * kGrid));
    f.max_cell[e * 3 + 1] = static_cast<int8_t>((max_index / kGrid) % kGrid);
    f.max_cell[e * 3 + 2] = static_cast<int8_t>(max_index % kGrid);
    const double* profile[3] = {px, py, pz};
    for (int a = 0; a < 3; ++a) {
      for (int i = 0; i < kGrid; ++i)
        f.profiles[(e * 3 + a) * kGrid + i] = static_cast<float>(profile[a][i]);
    }
    // Cells passing threshold t are those that passed more than t thresholds.
    int32_t passing = 0;
    for (int t = kSparsityPoints - 1; t >= 0; --t) {
      passing += above[t + 1];
      f.sparsity[e * kSparsityPoints + t] =
          static_cast<float>(passing) / static_cast<float>(kCellsPerShower);
    }
    if (total > 0.0) {
      for (int a = 0; a < 3; ++a) Moments(profile[a], total, &f.m1[e * 3 + a], &f.m2[e * 3 + a]);
      for (int third = 0; third < 3; ++third) {
        double s = 0.0;
        for (int z = kThirdEdges[third]; z < kThirdEdges[third + 1]; ++z) s += pz[z];
        f.thirds[e * 3 + third] = s / total;
      }
    }
  }
  return f;
}

}  // namespace cascade::physics
