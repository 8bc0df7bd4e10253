// A fixed-binning 1-D histogram with under- and overflow, and the CaloChallenge separation power.
#pragma once

#include <cstdint>
#include <vector>

namespace cascade::physics {

// Uniform bins over [lo, hi). Values below lo go to the underflow, values >= hi (and NaN) to the
// overflow, so no entry is ever lost: a candidate far outside the reference's range still
// counts against it in SeparationPower. Invariant: lo < hi, bins >= 1.
class Histogram {
 public:
  Histogram() = default;
  Histogram(int bins, double lo, double hi);

  void Fill(double x, double weight = 1.0);
  // Adds another histogram with identical binning (e.g. per-thread partial sums).
  void Add(const Histogram& other);

  int bins() const { return static_cast<int>(counts_.size()); }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  double underflow() const { return underflow_; }
  double overflow() const { return overflow_; }
  const std::vector<double>& counts() const { return counts_; }
  // Sum of squared weights per bin (for errors on weighted fills).
  const std::vector<double>& sumw2() const { return sumw2_; }
  // Total weight including under- and overflow.
  double Total() const;
  std::vector<double> Edges() const;

 private:
  double lo_ = 0.0;
  double hi_ = 1.0;
  double underflow_ = 0.0;
  double overflow_ = 0.0;
  std::vector<double> counts_;
  std::vector<double> sumw2_;
};

// Triangular discrimination S = 1/2 Σ_i (p_i − q_i)² / (p_i + q_i) over p = a/Σa and q = b/Σb,
// under/overflow included (CaloChallenge evaluate.py; physics.md §2.3). 0 for identical shapes,
// 1 for disjoint ones. If exactly one is empty the result is 1; if both are, 0.
double SeparationPower(const std::vector<double>& a, const std::vector<double>& b);
double SeparationPower(const Histogram& a, const Histogram& b);

}  // namespace cascade::physics
