#include "worker/trainer/gan_health_guard.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"

namespace cascade::trainer {

std::optional<std::string> GanHealthGuard::Observe(const gan::StepLosses& losses, int64_t step) {
  if (!options_.enabled) return std::nullopt;
  ++observed_;
  const std::string where =
      step >= 0 ? absl::StrFormat("step %d", step) : absl::StrFormat("observation %d", observed_);
  const std::pair<const char*, const gan::LossTerms*> updates[] = {{"d_real", &losses.d_real},
                                                                   {"d_fake", &losses.d_fake},
                                                                   {"g[0]", &losses.g[0]},
                                                                   {"g[1]", &losses.g[1]}};
  for (const auto& [update, t] : updates) {
    const std::pair<const char*, double> terms[] = {
        {"total", t->total}, {"bce", t->bce}, {"aux_mape", t->aux}, {"ecal_mape", t->ecal}};
    for (const auto& [term, value] : terms) {
      if (!std::isfinite(value)) {
        streak_ = 0;
        return absl::StrFormat("non-finite loss %s.%s = %g at %s", update, term, value, where);
      }
    }
  }
  const double d_bce = 0.5 * (losses.d_real.bce + losses.d_fake.bce);
  if (d_bce >= options_.collapse_d_loss) {
    streak_ = 0;
    return std::nullopt;
  }
  if (++streak_ < options_.collapse_steps) return std::nullopt;
  streak_ = 0;
  return absl::StrFormat(
      "discriminator collapsed: mean BCE of d_real and d_fake = %g < %g for %d consecutive steps "
      "up to %s (D has won; G gets no gradient)",
      d_bce, options_.collapse_d_loss, options_.collapse_steps, where);
}

void GanHealthGuard::Reset() {
  streak_ = 0;
  observed_ = 0;
}

}  // namespace cascade::trainer
