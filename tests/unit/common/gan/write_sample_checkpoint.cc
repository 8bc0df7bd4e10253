// Writes a small checkpoint with known content to argv[1], for tests/tools/check_checkpoint_h5py.py
// (which checks that h5py reads Cascade's layout as docs/checkpoint-format.md describes).
#include <iostream>

#include "common/gan/checkpoint_io.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_sample_checkpoint OUT.h5\n";
    return 2;
  }
  cascade::gan::Checkpoint c;
  c.config_json = R"({"filters":"original","bn_axis":"last","latent_size":200,"xscale":100.0})";
  c.step = 42;
  c.epoch = 3;
  // Value k of a tensor is k * 0.25 + t, t its position in the list: easy to re-derive in Python.
  const std::vector<std::pair<std::string, std::vector<int64_t>>> specs = {
      {"generator/params/conv3d_4/kernel", {1, 6, 2, 2, 2}},
      {"generator/buffers/batch_normalization_1/moving_mean", {8}},
      {"discriminator/params/generation/bias", {1}},
      {"optimizer/discriminator/accumulators", {3, 5}}};
  for (size_t t = 0; t < specs.size(); ++t) {
    int64_t n = 1;
    for (int64_t d : specs[t].second) n *= d;
    std::vector<float> data(n);
    for (int64_t k = 0; k < n; ++k) data[k] = k * 0.25f + t;
    c.tensors.push_back({specs[t].first, specs[t].second, data});
  }
  c.strings["rng"] = "5489 0 1 2";
  c.strings["data_cursor"] = R"({"epoch":3,"position":17})";
  c.scalars["optimizer/discriminator/lr"] = 1e-3;
  c.scalars["optimizer/generator/lr"] = 2e-3;
  const auto st = cascade::gan::WriteCheckpoint(argv[1], c);
  if (!st.ok()) {
    std::cerr << st << "\n";
    return 1;
  }
  return 0;
}
