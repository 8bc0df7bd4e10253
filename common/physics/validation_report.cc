#include "common/physics/validation_report.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cascade::physics {

absl::StatusOr<double> ValidationReport::Objective(std::string_view name) const {
  if (name == "sf_mre") return sf_mre;
  if (name == "gan_metric") return gan_metric.total;
  if (name == "gan_metric_original") return gan_metric.total_original_double_count;
  if (name == "max_separation_power") return max_separation_power;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown validation objective '", std::string(name),
                   "' (expected sf_mre, gan_metric, gan_metric_original or "
                   "max_separation_power)"));
}

void to_json(nlohmann::json& j, const ObservableComparison& c) {
  j = nlohmann::json{{"name", c.name},
                     {"title", c.title},
                     {"kind", c.kind},
                     {"x_label", c.x_label},
                     {"y_label", c.y_label},
                     {"log_x", c.log_x},
                     {"log_y", c.log_y},
                     {"bin_width", c.bin_width},
                     {"x", c.x},
                     {"reference", c.reference},
                     {"reference_error", c.reference_error},
                     {"candidate", c.candidate},
                     {"candidate_error", c.candidate_error},
                     {"expectation", c.expectation}};
  j["separation_power"] =
      c.separation_power ? nlohmann::json(*c.separation_power) : nlohmann::json(nullptr);
}

void from_json(const nlohmann::json& j, ObservableComparison& c) {
  j.at("name").get_to(c.name);
  j.at("title").get_to(c.title);
  j.at("kind").get_to(c.kind);
  j.at("x_label").get_to(c.x_label);
  j.at("y_label").get_to(c.y_label);
  j.at("log_x").get_to(c.log_x);
  j.at("log_y").get_to(c.log_y);
  j.at("bin_width").get_to(c.bin_width);
  j.at("x").get_to(c.x);
  j.at("reference").get_to(c.reference);
  j.at("reference_error").get_to(c.reference_error);
  j.at("candidate").get_to(c.candidate);
  j.at("candidate_error").get_to(c.candidate_error);
  j.at("expectation").get_to(c.expectation);
  const nlohmann::json& s = j.at("separation_power");
  c.separation_power = s.is_null() ? std::nullopt : std::optional<double>(s.get<double>());
}

void to_json(nlohmann::json& j, const ValidationReport& r) {
  j = nlohmann::json{{"n_reference", r.n_reference},
                     {"n_candidate", r.n_candidate},
                     {"sf_mre", r.sf_mre},
                     {"sf_mre_error", r.sf_mre_error},
                     {"gan_metric", r.gan_metric},
                     {"max_separation_power", r.max_separation_power},
                     {"max_separation_observable", r.max_separation_observable},
                     {"sampling_fraction_vs_energy", r.sampling_fraction_vs_energy},
                     {"bins", r.bins},
                     {"seconds", r.seconds}};
}

void from_json(const nlohmann::json& j, ValidationReport& r) {
  j.at("n_reference").get_to(r.n_reference);
  j.at("n_candidate").get_to(r.n_candidate);
  j.at("sf_mre").get_to(r.sf_mre);
  j.at("sf_mre_error").get_to(r.sf_mre_error);
  j.at("gan_metric").get_to(r.gan_metric);
  j.at("max_separation_power").get_to(r.max_separation_power);
  j.at("max_separation_observable").get_to(r.max_separation_observable);
  j.at("sampling_fraction_vs_energy").get_to(r.sampling_fraction_vs_energy);
  j.at("bins").get_to(r.bins);
  j.at("seconds").get_to(r.seconds);
}

absl::StatusOr<ValidationReport> ValidationReportFromJson(std::string_view text) {
  try {
    return nlohmann::json::parse(text).get<ValidationReport>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("validation report JSON: ", e.what()));
  }
}

}  // namespace cascade::physics
