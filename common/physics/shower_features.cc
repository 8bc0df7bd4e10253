#include "common/physics/shower_features.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace cascade::physics {
namespace {

// Counts how many of a sorted list of positive float edges a positive float lies at or above
// (`inclusive`: v >= edge) or strictly above (v > edge), without a log per cell: the float's binary
// exponent gives the count of edges below 2^e, and only the few edges inside [2^e, 2^(e+1)) are
// compared. Exact, so bins match the log10 definitions up to the float rounding of the edges.
class EdgeCounter {
 public:
  EdgeCounter(std::vector<float> edges, bool inclusive)
      : edges_(std::move(edges)), inclusive_(inclusive) {
    for (int e = 0; e < 256; ++e) {
      // Smallest float with biased exponent e (0 for the denormal range).
      const float octave = e == 0 ? 0.0f : std::bit_cast<float>(static_cast<uint32_t>(e) << 23);
      int below = 0;
      while (below < static_cast<int>(edges_.size()) && edges_[below] < octave) ++below;
      start_[e] = below;
    }
    // Padding lets Count compare a fixed number of edges without bounds checks or branches.
    edges_.insert(edges_.end(), kMaxEdgesPerOctave, std::numeric_limits<float>::infinity());
  }
  // Branch-free: cell values are random, so data-dependent branches would mispredict.
  int Count(float v) const {
    const int i = start_[std::bit_cast<uint32_t>(v) >> 23 & 0xff];
    int count = i;
    for (int k = 0; k < kMaxEdgesPerOctave; ++k)
      count += inclusive_ ? (v >= edges_[i + k]) : (v > edges_[i + k]);
    return count;
  }

 private:
  // Edges at least a factor 2^(1/3) apart (the spectrum's 10^0.13 = 1.35) fall at most 3 to an
  // octave.
  static constexpr int kMaxEdgesPerOctave = 3;
  std::vector<float> edges_;
  bool inclusive_;
  int start_[256];
};

// 10^t for t = kSparsityMinExp..0 (a cell passes threshold t if it is strictly above it).
std::vector<float> SparsityThresholds() {
  std::vector<float> t(kSparsityPoints);
  for (int i = 0; i < kSparsityPoints; ++i)
    t[i] = static_cast<float>(std::pow(10.0, kSparsityMinExp + i));
  return t;
}

// Spectrum bin edges 10^(lo + i w), i = 0..kSpectrumBins (bin i holds log10 E in [edge_i,
// edge_i+1)).
std::vector<float> SpectrumEdges() {
  std::vector<float> edges(kSpectrumBins + 1);
  for (int i = 0; i <= kSpectrumBins; ++i) {
    edges[i] = static_cast<float>(
        std::pow(10.0, kSpectrumLo + (kSpectrumHi - kSpectrumLo) * i / kSpectrumBins));
  }
  return edges;
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
  const EdgeCounter sparsity_counter(SparsityThresholds(), /*inclusive=*/false);
  const EdgeCounter spectrum_counter(SpectrumEdges(), /*inclusive=*/true);
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
          ++above[sparsity_counter.Count(v)];
          if (spectrum != nullptr) {
            const int edges_at_or_below = spectrum_counter.Count(v);
            if (edges_at_or_below >= 1 && edges_at_or_below <= kSpectrumBins)
              ++spectrum[edges_at_or_below - 1];
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
