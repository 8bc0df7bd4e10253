#include "common/scan/spec_parser.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/scan/hyperparameter_parser.h"
#include "common/scan/yaml_section.h"
#include "common/status_macros.h"

namespace cascade::scan {
namespace {

absl::Status ParseSimulate(const YamlSection& s, SimulateSpec* sim) {
  CASCADE_RETURN_IF_ERROR(s.Read("events", &sim->events));
  CASCADE_RETURN_IF_ERROR(s.Read("files", &sim->files));
  CASCADE_RETURN_IF_ERROR(s.Read("seed", &sim->seed));
  if (sim->files < 2)
    return s.Error("files", "must be >= 2 (at least one train and one validation file)");
  if (sim->events < sim->files) return s.Error("events", "must be >= files (no empty file)");
  if (s.Has("energy_range_gev")) {
    const YAML::Node range = s.Child("energy_range_gev");
    double lo = 0, hi = 0;
    if (!range.IsSequence() || range.size() != 2 || !range[0].IsScalar() || !range[1].IsScalar() ||
        !YAML::convert<double>::decode(range[0], lo) ||
        !YAML::convert<double>::decode(range[1], hi)) {
      return s.Error("energy_range_gev", "must be a list [min, max] of two numbers");
    }
    if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) {
      return s.Error("energy_range_gev", "must satisfy 0 < min < max");
    }
    sim->energy_min_gev = lo;
    sim->energy_max_gev = hi;
  }
  return s.CheckNoUnknownKeys();
}

absl::Status ParseData(const YamlSection& root, DataSpec* data) {
  CASCADE_RETURN_IF_ERROR(root.Require("data"));
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, root.Section("data"));
  CASCADE_RETURN_IF_ERROR(s.Read("train", &data->train_files));
  CASCADE_RETURN_IF_ERROR(s.Read("validation", &data->validation_files));
  if (s.Has("simulate")) {
    if (s.Has("train") || s.Has("validation")) {
      return s.Error("simulate", "give either simulate or train/validation files, not both");
    }
    CASCADE_ASSIGN_OR_RETURN(YamlSection sim, s.Section("simulate"));
    CASCADE_RETURN_IF_ERROR(ParseSimulate(sim, &data->simulate.emplace()));
  } else {
    if (data->train_files.empty()) return s.Error("train", "required (or a simulate block)");
    if (data->validation_files.empty()) {
      return s.Error("validation",
                     "required with train files (the searcher metric needs held-out data)");
    }
  }
  for (const auto* list : {&data->train_files, &data->validation_files}) {
    for (const std::string& file : *list) {
      if (file.empty())
        return s.Error(list == &data->train_files ? "train" : "validation", "empty path");
    }
  }
  return s.CheckNoUnknownKeys();
}

absl::Status ParseModel(const YamlSection& root, ModelSpec* model) {
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, root.Section("model"));
  std::string filters = ModelFiltersName(model->filters);
  std::string bn_axis = ModelBnAxisName(model->bn_axis);
  CASCADE_RETURN_IF_ERROR(s.Read("filters", &filters));
  CASCADE_RETURN_IF_ERROR(s.Read("bn_axis", &bn_axis));
  CASCADE_RETURN_IF_ERROR(s.Read("latent_size", &model->latent_size));
  CASCADE_RETURN_IF_ERROR(s.Read("xscale", &model->xscale));
  if (filters == "original") {
    model->filters = ModelFilters::kOriginal;
  } else if (filters == "16") {
    model->filters = ModelFilters::kMultipleOf16;
  } else if (filters == "tiny") {
    model->filters = ModelFilters::kTiny;
  } else {
    return s.Error("filters", absl::StrCat("must be original, 16 or tiny, got '", filters, "'"));
  }
  if (bn_axis == "channel") {
    model->bn_axis = ModelBnAxis::kChannel;
  } else if (bn_axis == "last") {
    model->bn_axis = ModelBnAxis::kLast;
  } else {
    return s.Error("bn_axis", absl::StrCat("must be channel or last, got '", bn_axis, "'"));
  }
  if (model->latent_size < 1 || model->latent_size > 4096) {
    return s.Error("latent_size", "must be in [1, 4096]");
  }
  if (!(model->xscale > 0)) return s.Error("xscale", "must be > 0");
  return s.CheckNoUnknownKeys();
}

absl::Status ParseSearcher(const YamlSection& root, int epochs, SearcherSpec* searcher) {
  CASCADE_RETURN_IF_ERROR(root.Require("searcher"));
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, root.Section("searcher"));
  std::string name;
  CASCADE_RETURN_IF_ERROR(s.Require("name"));
  CASCADE_RETURN_IF_ERROR(s.Read("name", &name));
  if (name == "grid") {
    searcher->kind = SearcherKind::kGrid;
  } else if (name == "random") {
    searcher->kind = SearcherKind::kRandom;
  } else if (name == "asha") {
    searcher->kind = SearcherKind::kAsha;
  } else {
    return s.Error("name", absl::StrCat("must be grid, random or asha, got '", name, "'"));
  }
  CASCADE_RETURN_IF_ERROR(s.Read("metric", &searcher->metric));
  CASCADE_RETURN_IF_ERROR(s.Read("smaller_is_better", &searcher->smaller_is_better));
  if (searcher->metric.empty()) return s.Error("metric", "must not be empty");
  const bool grid = searcher->kind == SearcherKind::kGrid;
  const bool asha = searcher->kind == SearcherKind::kAsha;
  if (grid && s.Has("max_trials")) {
    return s.Error("max_trials", "not used by the grid searcher (the grid decides)");
  }
  if (!grid) {
    CASCADE_RETURN_IF_ERROR(s.Require("max_trials"));
    CASCADE_RETURN_IF_ERROR(s.Read("max_trials", &searcher->max_trials));
    if (searcher->max_trials < 1 || searcher->max_trials > kMaxGridPoints) {
      return s.Error("max_trials", absl::StrCat("must be in [1, ", kMaxGridPoints, "]"));
    }
  }
  for (const char* key : {"max_epochs", "divisor", "max_rungs"}) {
    if (!asha && s.Has(key)) return s.Error(key, absl::StrCat("only used by the asha searcher"));
  }
  if (asha) {
    searcher->max_epochs = epochs;
    CASCADE_RETURN_IF_ERROR(s.Read("max_epochs", &searcher->max_epochs));
    CASCADE_RETURN_IF_ERROR(s.Read("divisor", &searcher->divisor));
    CASCADE_RETURN_IF_ERROR(s.Read("max_rungs", &searcher->max_rungs));
    if (searcher->max_epochs < 1) return s.Error("max_epochs", "must be >= 1");
    if (searcher->divisor < 2) return s.Error("divisor", "must be >= 2");
    if (searcher->max_rungs < 1 || searcher->max_rungs > 32) {
      return s.Error("max_rungs", "must be in [1, 32]");
    }
  }
  return s.CheckNoUnknownKeys();
}

absl::Status ParseResources(const YamlSection& root, ResourcesSpec* res) {
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, root.Section("resources"));
  if (s.Has("workers_per_trial")) {
    for (const char* key : {"min_workers", "max_workers"}) {
      if (s.Has(key)) return s.Error(key, "give either workers_per_trial or min/max_workers");
    }
    int n = 0;
    CASCADE_RETURN_IF_ERROR(s.Read("workers_per_trial", &n));
    if (n < 1) return s.Error("workers_per_trial", "must be >= 1");
    res->min_workers = res->max_workers = n;
  } else {
    CASCADE_RETURN_IF_ERROR(s.Read("min_workers", &res->min_workers));
    res->max_workers = std::max(res->max_workers, res->min_workers);
    CASCADE_RETURN_IF_ERROR(s.Read("max_workers", &res->max_workers));
    if (res->min_workers < 1) return s.Error("min_workers", "must be >= 1");
    if (res->max_workers < res->min_workers)
      return s.Error("max_workers", "must be >= min_workers");
  }
  if (res->max_workers > 4096) return s.Error("max_workers", "must be <= 4096");
  CASCADE_RETURN_IF_ERROR(s.Read("max_concurrent_trials", &res->max_concurrent_trials));
  if (res->max_concurrent_trials < 1) return s.Error("max_concurrent_trials", "must be >= 1");
  return s.CheckNoUnknownKeys();
}

absl::Status ParseCheckpoint(const YamlSection& root, CheckpointSpec* ckpt) {
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, root.Section("checkpoint"));
  CASCADE_RETURN_IF_ERROR(s.Read("dir", &ckpt->dir));
  CASCADE_RETURN_IF_ERROR(s.Read("keep_latest", &ckpt->keep_latest));
  CASCADE_RETURN_IF_ERROR(s.Read("keep_best", &ckpt->keep_best));
  if (ckpt->dir.empty()) return s.Error("dir", "must not be empty");
  if (ckpt->keep_latest < 1) {
    return s.Error("keep_latest", "must be >= 1 (restarts resume from the latest checkpoint)");
  }
  if (ckpt->keep_best < 0) return s.Error("keep_best", "must be >= 0");
  return s.CheckNoUnknownKeys();
}

absl::Status ParseTraining(const YamlSection& root, TrainingSpec* training) {
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, root.Section("training"));
  CASCADE_RETURN_IF_ERROR(s.Read("steps_per_epoch", &training->steps_per_epoch));
  CASCADE_RETURN_IF_ERROR(s.Read("validation_events", &training->validation_events));
  CASCADE_RETURN_IF_ERROR(s.Read("checkpoint_every_steps", &training->checkpoint_every_steps));
  CASCADE_RETURN_IF_ERROR(s.Read("commit_every_steps", &training->commit_every_steps));
  if (training->steps_per_epoch < 0) return s.Error("steps_per_epoch", "must be >= 0");
  if (training->validation_events < 0) return s.Error("validation_events", "must be >= 0");
  if (training->checkpoint_every_steps < 0) {
    return s.Error("checkpoint_every_steps", "must be >= 0");
  }
  if (training->commit_every_steps < 1) return s.Error("commit_every_steps", "must be >= 1");
  return s.CheckNoUnknownKeys();
}

absl::StatusOr<ScanSpec> ParseRoot(const YAML::Node& doc) {
  if (!doc.IsMap()) return FieldError("", doc, "the spec must be a YAML mapping");
  CASCADE_ASSIGN_OR_RETURN(YamlSection root, YamlSection::Open(doc, ""));
  ScanSpec spec;
  CASCADE_RETURN_IF_ERROR(root.Require("name"));
  CASCADE_RETURN_IF_ERROR(root.Read("name", &spec.name));
  if (spec.name.empty() || spec.name.size() > 200)
    return root.Error("name", "must be 1-200 characters");
  CASCADE_RETURN_IF_ERROR(root.Read("epochs", &spec.epochs));
  if (spec.epochs < 1) return root.Error("epochs", "must be >= 1");
  CASCADE_RETURN_IF_ERROR(root.Read("max_restarts", &spec.max_restarts));
  if (spec.max_restarts < 0) return root.Error("max_restarts", "must be >= 0");
  CASCADE_RETURN_IF_ERROR(root.Read("max_restarts_per_trial", &spec.max_restarts_per_trial));
  if (spec.max_restarts_per_trial < 0) return root.Error("max_restarts_per_trial", "must be >= 0");
  CASCADE_RETURN_IF_ERROR(root.Read("seed", &spec.seed));
  CASCADE_RETURN_IF_ERROR(ParseData(root, &spec.data));
  CASCADE_RETURN_IF_ERROR(ParseModel(root, &spec.model));
  CASCADE_ASSIGN_OR_RETURN(YamlSection hps, root.Section("hyperparameters"));
  CASCADE_ASSIGN_OR_RETURN(spec.hyperparameters, ParseHyperparameters(hps));
  CASCADE_RETURN_IF_ERROR(ParseSearcher(root, spec.epochs, &spec.searcher));
  CASCADE_RETURN_IF_ERROR(CheckHyperparametersForSearcher(spec, hps));
  CASCADE_RETURN_IF_ERROR(ParseResources(root, &spec.resources));
  CASCADE_RETURN_IF_ERROR(ParseCheckpoint(root, &spec.checkpoint));
  CASCADE_RETURN_IF_ERROR(ParseTraining(root, &spec.training));
  CASCADE_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return spec;
}

}  // namespace

absl::StatusOr<ScanSpec> ParseScanSpec(std::string_view yaml) {
  // yaml-cpp reports syntax errors (and, defensively, anything else) by exception.
  try {
    return ParseRoot(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML syntax error at line ", e.mark.line + 1,
                                                   ", column ", e.mark.column + 1, ": ", e.msg));
  }
}

absl::StatusOr<ScanSpec> ParseScanSpecFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read scan spec ", path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(text.str());
  if (!spec.ok()) {
    return absl::Status(spec.status().code(), absl::StrCat(path, ": ", spec.status().message()));
  }
  return spec;
}

int64_t GridSize(const ScanSpec& spec) {
  int64_t size = 1;
  for (const auto& [name, hp] : spec.hyperparameters) {
    const bool ranged =
        hp.type != HyperparameterType::kConst && hp.type != HyperparameterType::kCategorical;
    if (ranged && hp.grid_count == 0) continue;  // not a grid spec; counts as one point
    size *= static_cast<int64_t>(GridValues(hp).size());
    if (size > kMaxGridPoints) return kMaxGridPoints + 1;  // saturate: no overflow
  }
  return size;
}

const char* SearcherKindName(SearcherKind kind) {
  switch (kind) {
    case SearcherKind::kGrid:
      return "grid";
    case SearcherKind::kRandom:
      return "random";
    case SearcherKind::kAsha:
      return "asha";
  }
  return "?";
}

const char* ModelFiltersName(ModelFilters filters) {
  switch (filters) {
    case ModelFilters::kOriginal:
      return "original";
    case ModelFilters::kMultipleOf16:
      return "16";
    case ModelFilters::kTiny:
      return "tiny";
  }
  return "?";
}

const char* ModelBnAxisName(ModelBnAxis axis) {
  return axis == ModelBnAxis::kChannel ? "channel" : "last";
}

}  // namespace cascade::scan
