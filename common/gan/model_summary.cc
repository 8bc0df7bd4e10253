#include "common/gan/model_summary.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/gan/discriminator.h"
#include "common/gan/generator.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {

LayerSummary Describe(const nn::Layer& layer) {
  LayerSummary s;
  s.name = layer.name();
  const auto dims = layer.dst().get_desc().dims();
  s.output_shape.assign(dims.begin() + 1, dims.end());  // drop the batch axis
  for (const auto& t : layer.Params()) s.trainable += nn::NumElements(t.shape);
  for (const auto& t : layer.Buffers()) s.non_trainable += nn::NumElements(t.shape);
  return s;
}

void Add(ModelSummary& m, LayerSummary s) {
  m.trainable += s.trainable;
  m.non_trainable += s.non_trainable;
  m.layers.push_back(std::move(s));
}

// 872736 -> "872,736", as Keras prints totals.
std::string WithCommas(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Shape(const std::vector<int64_t>& shape) {
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

absl::StatusOr<std::vector<ModelSummary>> Summarize(const ModelConfig& config) {
  nn::Device device;
  Generator g(config);
  Discriminator d(config);
  nn::ParamArena ga, da;
  g.RegisterParams(ga);
  d.RegisterParams(da);
  ga.Allocate();
  da.Allocate();
  CASCADE_RETURN_IF_ERROR(g.Init(1, device));
  CASCADE_RETURN_IF_ERROR(d.Init(1, device));

  ModelSummary gs{.model = "generator"};
  for (const auto& layer : g.net().layers()) Add(gs, Describe(*layer));
  ModelSummary ds{.model = "discriminator"};
  for (const auto& layer : d.trunk().layers()) Add(ds, Describe(*layer));
  Add(ds, Describe(d.generation()));
  Add(ds, Describe(d.auxiliary()));
  Add(ds, LayerSummary{.name = "ecal (Σ input)", .output_shape = {1}});
  return std::vector<ModelSummary>{gs, ds};
}

std::string SummaryTable(const std::vector<ModelSummary>& summaries) {
  std::string out;
  for (const auto& m : summaries) {
    out += fmt::format("Model: {}\n{:<28}{:<24}{:>12}\n{}\n", m.model, "Layer", "Output shape",
                       "Param #", std::string(64, '='));
    for (const auto& l : m.layers) {
      out += fmt::format("{:<28}{:<24}{:>12}\n", l.name, Shape(l.output_shape),
                         WithCommas(l.trainable + l.non_trainable));
    }
    out += fmt::format("{}\nTotal params: {}\nTrainable params: {}\nNon-trainable params: {}\n\n",
                       std::string(64, '='), WithCommas(m.total()), WithCommas(m.trainable),
                       WithCommas(m.non_trainable));
  }
  return out;
}

std::string SummaryJson(const std::vector<ModelSummary>& summaries) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& m : summaries) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : m.layers) {
      layers.push_back({{"name", l.name},
                        {"output_shape", l.output_shape},
                        {"trainable", l.trainable},
                        {"non_trainable", l.non_trainable}});
    }
    j[m.model] = {{"layers", layers},
                  {"total", m.total()},
                  {"trainable", m.trainable},
                  {"non_trainable", m.non_trainable}};
  }
  return j.dump(2);
}

}  // namespace cascade::gan
