#include "worker/trainer/progress_bar.h"

#include <fmt/format.h>

#include <cstdio>

namespace cascade::trainer {

ProgressBar::ProgressBar(bool enabled, std::string label, int64_t total)
    : enabled_(enabled),
      label_(std::move(label)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::Update(int64_t done, const std::string& suffix) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most 10×/s: a terminal write per step would cost more than small steps.
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double eta = done > 0 ? secs * (total_ - done) / done : 0;
  fmt::print(stderr, "\r{} [{}{}] {}/{} {:.1f}s eta {:.0f}s {}   ", label_,
             std::string(filled, '#'), std::string(kWidth - filled, '.'), done, total_, secs, eta,
             suffix);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (enabled_) fmt::print(stderr, "\n");
}

}  // namespace cascade::trainer
