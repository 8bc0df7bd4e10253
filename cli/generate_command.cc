// `cascade generate`: showers from a Cascade checkpoint or from Keras (CERN) weights, written in
// the EleEscan layout so every tool that reads the training data reads them.
#include "cli/generate_command.h"

#include <omp.h>

#include <chrono>
#include <iostream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/data/shower_file.h"
#include "common/gan/checkpoint_io.h"
#include "common/gan/keras_weights.h"
#include "common/gan/latent_file.h"
#include "common/gan/shower_sampler.h"
#include "common/gan/trainer_checkpoint.h"

namespace cascade::cli {
namespace {

struct GenerateFlags {
  std::string checkpoint, keras_weights, latent, output;
  std::string energies = "100";
  int64_t per_energy = 100;
  int64_t batch = 128;
  uint64_t seed = 1;
  int threads = 0;
  float xscale = 1.f;  // only for --keras-weights: CERN's 2017 generator draws GeV directly
};

int Fail(int code, const std::string& msg) {
  std::cerr << "cascade generate: " << msg << "\n";
  return code;
}

int Run(const GenerateFlags& f) {
  if (f.threads > 0) omp_set_num_threads(f.threads);
  gan::ModelConfig config;
  gan::Checkpoint ckpt;
  if (!f.checkpoint.empty()) {
    auto read = gan::ReadCheckpoint(f.checkpoint);
    if (!read.ok()) return Fail(kBadInput, std::string(read.status().message()));
    ckpt = std::move(*read);
    auto parsed = gan::ModelConfigFromJson(ckpt.config_json);
    if (!parsed.ok())
      return Fail(kBadInput, f.checkpoint + ": " + std::string(parsed.status().message()));
    config = *parsed;
  } else {
    // CERN's trained weights: channels_last Keras, BN per channel, original filters.
    config.bn_axis = nn::BnAxis::kChannel;
    config.filters = gan::Filters::kOriginal;
    config.xscale = f.xscale;
  }

  // Energies and latents: from --latent, or N per listed energy with z ~ N(0,1) from --seed.
  std::vector<float> energy, z;
  if (!f.latent.empty()) {
    auto latent = gan::ReadLatentFile(f.latent);
    if (!latent.ok()) return Fail(kBadInput, std::string(latent.status().message()));
    if (latent->latent_size != config.latent_size) {
      return Fail(kBadInput, f.latent + ": z has " + std::to_string(latent->latent_size) +
                                 " columns, the model's latent size is " +
                                 std::to_string(config.latent_size));
    }
    energy = latent->energy;
    z = latent->z;
  } else {
    for (auto part : absl::StrSplit(f.energies, ',', absl::SkipEmpty())) {
      float e = 0;
      if (!absl::SimpleAtof(part, &e) || !(e > 0) || e > 10000) {
        return Fail(kUsage,
                    "--energies: '" + std::string(part) + "' is not an energy in (0, 10000] GeV");
      }
      energy.insert(energy.end(), f.per_energy, e);
    }
    std::mt19937_64 rng(f.seed);
    std::normal_distribution<float> normal(0.f, 1.f);
    z.resize(energy.size() * config.latent_size);
    for (float& v : z) v = normal(rng);
  }

  nn::Device device;
  gan::ShowerSampler sampler(config, f.batch);
  if (auto s = sampler.Init(device); !s.ok()) return Fail(kFailure, std::string(s.message()));
  absl::Status loaded = !f.checkpoint.empty()
                            ? gan::RestoreGeneratorWeights(ckpt, sampler.arena(), f.checkpoint)
                            : gan::ImportKerasGenerator(f.keras_weights, sampler.arena());
  if (!loaded.ok()) return Fail(kBadInput, std::string(loaded.message()));

  const auto t0 = std::chrono::steady_clock::now();
  auto cells = sampler.Generate(z, energy);
  if (!cells.ok()) return Fail(kFailure, std::string(cells.status().message()));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  data::ShowerSet showers;
  showers.n = static_cast<int64_t>(energy.size());
  showers.ecal = std::move(*cells);
  showers.energy = energy;
  if (auto s = data::WriteShowerFile(f.output, showers); !s.ok()) {
    return Fail(kFailure, std::string(s.message()));
  }
  std::cout << "generated " << showers.n << " showers in " << seconds << " s ("
            << 1000.0 * seconds / std::max<int64_t>(showers.n, 1) << " ms/shower, batch " << f.batch
            << ") -> " << f.output << "\n";
  return kOk;
}

}  // namespace

void RegisterGenerateCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<GenerateFlags>();
  auto* cmd =
      app.add_subcommand("generate", "Generate showers (EleEscan HDF5) from a trained model");
  auto* ckpt = cmd->add_option("--checkpoint", flags->checkpoint, "Cascade checkpoint (.h5)")
                   ->check(CLI::ExistingFile);
  auto* keras = cmd->add_option("--keras-weights", flags->keras_weights,
                                "Keras 2 generator weights (CERN 3DGAN, channels_last)")
                    ->check(CLI::ExistingFile);
  ckpt->excludes(keras);
  cmd->add_option("--energies", flags->energies, "comma-separated primary energies in GeV")
      ->capture_default_str();
  cmd->add_option("-n,--events", flags->per_energy, "showers per energy")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--latent", flags->latent, "HDF5 with z (N, L) and energy (N): exact inputs")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", flags->output, "output EleEscan HDF5 file")->required();
  cmd->add_option("--batch", flags->batch, "generation batch size")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}))
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "seed of the latent draws")->capture_default_str();
  cmd->add_option("--threads", flags->threads, "oneDNN/OpenMP threads (0 = all cores)");
  cmd->add_option("--xscale", flags->xscale, "image scale of --keras-weights models")
      ->capture_default_str();
  cmd->callback([flags, &ctx, ckpt, keras] {
    if (ckpt->count() == 0 && keras->count() == 0) {
      ctx.exit_code = Fail(kUsage, "one of --checkpoint or --keras-weights is required");
      return;
    }
    ctx.exit_code = Run(*flags);
  });
}

}  // namespace cascade::cli
