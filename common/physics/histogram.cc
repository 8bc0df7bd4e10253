#include "common/physics/histogram.h"

#include <cmath>
#include <numeric>

namespace cascade::physics {

Histogram::Histogram(int bins, double lo, double hi)
    : lo_(lo),
      hi_(hi),
      counts_(static_cast<size_t>(bins), 0.0),
      sumw2_(static_cast<size_t>(bins), 0.0) {}

void Histogram::Fill(double x, double weight) {
  if (x < lo_) {
    underflow_ += weight;
    return;
  }
  // `!(x < hi_)` also sends NaN to the overflow.
  if (!(x < hi_)) {
    overflow_ += weight;
    return;
  }
  auto bin = static_cast<size_t>((x - lo_) / (hi_ - lo_) * static_cast<double>(counts_.size()));
  if (bin >= counts_.size()) bin = counts_.size() - 1;  // rounding at the upper edge
  counts_[bin] += weight;
  sumw2_[bin] += weight * weight;
}

void Histogram::Add(const Histogram& other) {
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  for (size_t i = 0; i < counts_.size(); ++i) {
    counts_[i] += other.counts_[i];
    sumw2_[i] += other.sumw2_[i];
  }
}

double Histogram::Total() const {
  return std::accumulate(counts_.begin(), counts_.end(), underflow_ + overflow_);
}

std::vector<double> Histogram::Edges() const {
  std::vector<double> edges(counts_.size() + 1);
  for (size_t i = 0; i < edges.size(); ++i) {
    edges[i] = lo_ + (hi_ - lo_) * static_cast<double>(i) / static_cast<double>(counts_.size());
  }
  return edges;
}

double SeparationPower(const std::vector<double>& a, const std::vector<double>& b) {
  const double sum_a = std::accumulate(a.begin(), a.end(), 0.0);
  const double sum_b = std::accumulate(b.begin(), b.end(), 0.0);
  if (sum_a <= 0.0 && sum_b <= 0.0) return 0.0;
  if (sum_a <= 0.0 || sum_b <= 0.0) return 1.0;
  double s = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double p = a[i] / sum_a;
    const double q = b[i] / sum_b;
    if (p + q > 0.0) s += (p - q) * (p - q) / (p + q);
  }
  return 0.5 * s;
}

double SeparationPower(const Histogram& a, const Histogram& b) {
  auto with_flows = [](const Histogram& h) {
    std::vector<double> v;
    v.reserve(h.counts().size() + 2);
    v.push_back(h.underflow());
    v.insert(v.end(), h.counts().begin(), h.counts().end());
    v.push_back(h.overflow());
    return v;
  };
  return SeparationPower(with_flows(a), with_flows(b));
}

}  // namespace cascade::physics
