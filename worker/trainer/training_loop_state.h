// Internal to TrainingLoop (training_loop.cc, training_loop_sync.cc): what one run holds between
// Setup() and the end of Run(). Not part of the public API.
#pragma once

#include <memory>
#include <optional>

#include "common/data/batch.h"
#include "common/data/sharded_loader.h"
#include "common/data/shower_dataset.h"
#include "common/data/shower_file.h"
#include "common/gan/gan_trainer.h"
#include "common/gan/shower_sampler.h"
#include "common/nn/device.h"
#include "worker/trainer/chrome_trace.h"
#include "worker/trainer/training_loop.h"

namespace cascade::trainer {

struct TrainingLoop::State {
  nn::Device device;
  std::unique_ptr<gan::GanTrainer> trainer;
  std::optional<data::ShowerDataset> dataset;
  std::unique_ptr<data::ShardedLoader> loader;
  data::Batch batch;
  data::ShowerSet reference;  // validation showers (raw GeV) from the test split
  std::unique_ptr<gan::ShowerSampler> sampler;
  int64_t start_epoch = 0;
  int64_t start_step = 0;
  ChromeTrace trace;
};

}  // namespace cascade::trainer
