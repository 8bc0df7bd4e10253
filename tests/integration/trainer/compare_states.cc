// Compares trainer-state checkpoints of a data-parallel group: every RANK file must equal the first
// bit for bit (weights, BN buffers, optimizer state), and with --reference every element must match
// the reference run within --rtol: max over elements of |a - b| / max(|b|, 1e-30). Element-wise,
// not per-tensor L2, so a few wrong elements cannot hide in a large tensor's norm; --rtol 0 demands
// bit-identical tensors. The per-tensor relative L2 is printed too. Exit 0 only if both hold.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>

#include "common/gan/checkpoint_io.h"

int main(int argc, char** argv) {
  CLI::App app{"compare_states"};
  std::vector<std::string> ranks;
  std::string reference;
  double rtol = 1e-5;
  app.add_option("ranks", ranks, "rank<R>.h5 of one group")->required();
  app.add_option("--reference", reference, "single-process (ghost batch) state");
  app.add_option("--rtol", rtol);
  CLI11_PARSE(app, argc, argv);
  auto first = cascade::gan::ReadCheckpoint(ranks[0]);
  if (!first.ok()) {
    std::cerr << first.status() << "\n";
    return 1;
  }
  bool ok = true;
  for (size_t r = 1; r < ranks.size(); ++r) {
    auto other = cascade::gan::ReadCheckpoint(ranks[r]);
    if (!other.ok() || other->tensors.size() != first->tensors.size()) {
      std::cerr << ranks[r] << ": unreadable or different tensor set\n";
      return 1;
    }
    int differing = 0;
    for (size_t i = 0; i < first->tensors.size(); ++i) {
      const auto& a = first->tensors[i].data;
      const auto& b = other->tensors[i].data;
      if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) != 0) {
        if (++differing <= 5)
          std::cerr << ranks[r] << ": " << first->tensors[i].name << " differs\n";
      }
    }
    std::cout << ranks[r] << " vs " << ranks[0] << ": " << differing << " of "
              << first->tensors.size() << " tensors differ (bitwise)\n";
    ok = ok && differing == 0 && other->step == first->step;
  }
  if (!reference.empty()) {
    auto ref = cascade::gan::ReadCheckpoint(reference);
    if (!ref.ok() || ref->tensors.size() != first->tensors.size() || ref->step != first->step) {
      std::cerr << reference << ": unreadable, different tensors or step\n";
      return 1;
    }
    double worst = 0, worst_l2 = 0;
    std::string worst_name, worst_l2_name;
    int64_t differing = 0, total = 0;
    for (size_t i = 0; i < ref->tensors.size(); ++i) {
      const auto& a = first->tensors[i].data;
      const auto& b = ref->tensors[i].data;
      double diff = 0, norm = 0, elem = 0;
      for (size_t j = 0; j < b.size(); ++j) {
        const double d = std::abs(double(a[j]) - b[j]);
        diff += d * d;
        norm += double(b[j]) * b[j];
        // NaN compares false everywhere: count it as infinitely far.
        const double rel = a[j] == b[j] ? 0.0 : d / std::max(std::abs(double(b[j])), 1e-30);
        elem = std::max(elem, std::isnan(rel) ? INFINITY : rel);
        differing += a[j] != b[j];
      }
      total += static_cast<int64_t>(b.size());
      const double l2 = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
      if (elem > rtol) {
        std::cout << "  " << ref->tensors[i].name << ": max element relative " << elem
                  << ", relative L2 " << l2 << " (norm " << std::sqrt(norm) << ")\n";
      }
      if (elem > worst) worst = elem, worst_name = ref->tensors[i].name;
      if (l2 > worst_l2) worst_l2 = l2, worst_l2_name = ref->tensors[i].name;
    }
    std::cout << "group vs reference: " << differing << " of " << total
              << " elements differ; worst element relative " << worst << " (" << worst_name
              << "), worst tensor relative L2 " << worst_l2 << " (" << worst_l2_name << "), rtol "
              << rtol << ", step " << ref->step << "\n";
    ok = ok && worst <= rtol;
  }
  std::cout << (ok ? "OK" : "MISMATCH") << "\n";
  return ok ? 0 : 1;
}
