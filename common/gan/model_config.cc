#include "common/gan/model_config.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace cascade::gan {

const char* FiltersName(Filters f) {
  switch (f) {
    case Filters::kOriginal:
      return "original";
    case Filters::kMultipleOf16:
      return "16";
    case Filters::kTiny:
      return "tiny";
  }
  return "?";
}
const char* BnAxisName(nn::BnAxis axis) {
  return axis == nn::BnAxis::kChannel ? "channel" : "last";
}

absl::StatusOr<Filters> ParseFilters(const std::string& s) {
  if (s == "original") return Filters::kOriginal;
  if (s == "16") return Filters::kMultipleOf16;
  if (s == "tiny") return Filters::kTiny;
  return absl::InvalidArgumentError(
      absl::StrCat("filters: expected 'original', '16' or 'tiny', got '", s, "'"));
}

absl::StatusOr<nn::BnAxis> ParseBnAxis(const std::string& s) {
  if (s == "channel") return nn::BnAxis::kChannel;
  if (s == "last") return nn::BnAxis::kLastSpatial;
  return absl::InvalidArgumentError(
      absl::StrCat("bn_axis: expected 'channel' or 'last', got '", s, "'"));
}

std::string ToJson(const ModelConfig& c) {
  nlohmann::json j;
  j["filters"] = FiltersName(c.filters);
  j["bn_axis"] = BnAxisName(c.bn_axis);
  j["latent_size"] = c.latent_size;
  j["xscale"] = c.xscale;
  j["loss_weights"] = c.loss_weights;
  j["ecal_fit_polynomial"] = c.ecal_fit_polynomial;
  j["bn_epsilon"] = c.bn_epsilon;
  j["bn_momentum"] = c.bn_momentum;
  return j.dump();
}

absl::StatusOr<ModelConfig> ModelConfigFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("model config: not a JSON object");
  }
  ModelConfig c;
  try {
    auto filters = ParseFilters(j.at("filters").get<std::string>());
    if (!filters.ok()) return filters.status();
    c.filters = *filters;
    auto axis = ParseBnAxis(j.at("bn_axis").get<std::string>());
    if (!axis.ok()) return axis.status();
    c.bn_axis = *axis;
    c.latent_size = j.at("latent_size").get<int>();
    c.xscale = j.at("xscale").get<float>();
    c.loss_weights = j.at("loss_weights").get<std::array<float, 3>>();
    c.ecal_fit_polynomial = j.at("ecal_fit_polynomial").get<bool>();
    c.bn_epsilon = j.at("bn_epsilon").get<float>();
    c.bn_momentum = j.at("bn_momentum").get<float>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("model config: ", e.what()));
  }
  return c;
}

}  // namespace cascade::gan
