// Prints the acceptance table of the GFlash simulator (docs/data.md): per primary energy, the mean
// Ecal/Ep against GetEcalFit, the x/y barycentre, the depth of the longitudinal maximum and the
// resolution sigma/E. Usage: gflash_calibration [events_per_energy=2000] [threads=0]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/data/ecal_fit.h"
#include "common/data/shower_file.h"
#include "common/data/shower_simulator.h"

using cascade::data::kShowerCells;
using cascade::data::kShowerSize;

int main(int argc, char** argv) {
  const int events = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 0;
  cascade::data::GflashConfig config;
  if (argc > 3) config.absorber_mm = std::atof(argv[3]);
  if (argc > 4) config.sampling_fraction = std::atof(argv[4]);
  if (argc > 5) config.profile_fluctuation_scale = std::atof(argv[5]);
  if (argc > 6) config.fluctuations = std::atoi(argv[6]) != 0;
  auto sim = cascade::data::ShowerSimulator::Create(config);
  if (!sim.ok()) return 1;
  const std::vector<double> energies = {2, 10, 25, 50, 100, 150, 200, 250, 300, 400, 500};
  std::printf("Ep_GeV  Ecal/Ep   fit      rel_dev   sigma/E   x_bar   y_bar   z_peak\n");
  double sum_sq = 0;
  int n_fit = 0;
  std::vector<float> ecal(static_cast<size_t>(events) * kShowerSize);
  for (double ep : energies) {
    std::vector<float> e_out(events);
    std::vector<float> energy(events);
    // Fixed energy: e_min = e_max.
    sim->SimulateEvents(/*seed=*/7, 0, events, ep, ep, threads, ecal.data(), energy.data());
    double s1 = 0, s2 = 0, xb = 0, yb = 0;
    std::vector<double> zprof(kShowerCells, 0.0);
    for (int e = 0; e < events; ++e) {
      const float* img = ecal.data() + static_cast<size_t>(e) * kShowerSize;
      double sum = 0, sx = 0, sy = 0;
      for (int x = 0; x < kShowerCells; ++x)
        for (int y = 0; y < kShowerCells; ++y)
          for (int z = 0; z < kShowerCells; ++z) {
            const double v = img[(x * kShowerCells + y) * kShowerCells + z];
            sum += v;
            sx += x * v;
            sy += y * v;
            zprof[z] += v;
          }
      const double sf = sum / ep;
      s1 += sf;
      s2 += sf * sf;
      xb += sx / sum;
      yb += sy / sum;
    }
    const double mean = s1 / events;
    const double sigma = std::sqrt(std::max(0.0, s2 / events - mean * mean));
    const double fit = cascade::data::EcalFitSamplingFraction(ep);
    const double dev = mean / fit - 1;
    if (ep >= 10) {
      sum_sq += dev * dev;
      ++n_fit;
    }
    int peak = 0;
    for (int z = 1; z < kShowerCells; ++z)
      if (zprof[z] > zprof[peak]) peak = z;
    std::printf("%6.0f  %.5f  %.5f  %+7.4f  %7.4f  %6.3f  %6.3f  %3d\n", ep, mean, fit, dev,
                sigma / mean, xb / events, yb / events, peak);
  }
  std::printf("RMS relative deviation from GetEcalFit over 10-500 GeV: %.4f\n",
              std::sqrt(sum_sq / n_fit));
  return 0;
}
