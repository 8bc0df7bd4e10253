// Compares trainer-state checkpoints of a data-parallel group: every RANK file must equal the first
// bit for bit (weights, BN buffers, optimizer state), and with --reference each tensor must match
// the reference run within --rtol (relative L2 per tensor). Exit 0 only if both hold.
#include <CLI/CLI.hpp>
#include <cmath>
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
    double worst = 0;
    std::string worst_name;
    for (size_t i = 0; i < ref->tensors.size(); ++i) {
      const auto& a = first->tensors[i].data;
      const auto& b = ref->tensors[i].data;
      double diff = 0, norm = 0;
      for (size_t j = 0; j < b.size(); ++j) {
        diff += (double(a[j]) - b[j]) * (double(a[j]) - b[j]);
        norm += double(b[j]) * b[j];
      }
      const double rel = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
      if (rel > rtol) {
        std::cout << "  " << ref->tensors[i].name << ": relative L2 " << rel << " (norm "
                  << std::sqrt(norm) << ")\n";
      }
      if (rel > worst) {
        worst = rel;
        worst_name = ref->tensors[i].name;
      }
    }
    std::cout << "group vs reference: worst relative L2 " << worst << " (" << worst_name
              << "), rtol " << rtol << ", step " << ref->step << "\n";
    ok = ok && worst <= rtol;
  }
  std::cout << (ok ? "OK" : "MISMATCH") << "\n";
  return ok ? 0 : 1;
}
