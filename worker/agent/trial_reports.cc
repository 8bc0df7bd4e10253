#include "worker/agent/trial_reports.h"

namespace cascade::worker {

std::optional<v1::WorkerMessage> StepAggregator::Add(const trainer::StepReport& r,
                                                     Clock::time_point now) {
  d_real_ += r.losses.d_real.total;
  d_fake_ += r.losses.d_fake.total;
  g_ += 0.5 * (r.losses.g[0].total + r.losses.g[1].total);  // the step's two generator updates
  seconds_ += r.compute_seconds + r.allreduce_seconds + r.data_seconds;
  ++n_;
  last_ = r;
  if (now - last_sent_ < period_) return std::nullopt;
  return Flush(now);
}

std::optional<v1::WorkerMessage> StepAggregator::Flush(Clock::time_point now) {
  if (n_ == 0) return std::nullopt;
  v1::WorkerMessage message;
  auto* out = message.mutable_step_metrics();
  out->set_trial_id(assignment_.trial_id());
  auto* m = out->mutable_metrics();
  m->set_step(last_.step);
  m->set_epoch(static_cast<int32_t>(last_.epoch));
  m->set_generation(assignment_.generation());
  m->set_world_size(assignment_.world_size());
  m->set_discriminator_loss_real(static_cast<float>(d_real_ / n_));
  m->set_discriminator_loss_fake(static_cast<float>(d_fake_ / n_));
  m->set_generator_loss(static_cast<float>(g_ / n_));
  m->set_learning_rate(static_cast<float>(last_.lr));
  const double step_seconds = seconds_ / n_;
  m->set_step_seconds(static_cast<float>(step_seconds));
  m->set_samples_per_second(
      step_seconds > 0
          ? static_cast<float>(batch_ * std::max(1, assignment_.world_size()) / step_seconds)
          : 0.f);
  m->set_steps_aggregated(n_);
  n_ = 0;
  d_real_ = d_fake_ = g_ = seconds_ = 0;
  last_sent_ = now;
  return message;
}

v1::WorkerMessage ValidationMessage(const v1::Assignment& a, const trainer::EpochReport& r,
                                    int64_t step) {
  v1::WorkerMessage message;
  auto* out = message.mutable_validation();
  out->set_trial_id(a.trial_id());
  out->set_generation(a.generation());
  auto* m = out->mutable_metrics();
  m->set_epoch(static_cast<int32_t>(r.epoch + 1));
  m->set_step(step);
  m->set_sampling_fraction_mre(r.validation.sf_mre);
  m->set_validation_seconds(static_cast<float>(r.validation.seconds));
  // generator_loss / discriminator_loss on held-out data are not computed by the trainer: the
  // typed fields stay 0 and the epoch's training losses travel as named observables.
  auto& obs = *m->mutable_observables();
  obs["sampling_fraction_mre_error"] = r.validation.sf_mre_error;
  obs["gan_metric"] = r.validation.gan_metric.total;
  obs["gan_metric_original"] = r.validation.gan_metric.total_original_double_count;
  obs["max_separation_power"] = r.validation.max_separation_power;
  obs["train_generator_loss"] = r.g.total;
  obs["train_discriminator_loss"] = r.d_real.total + r.d_fake.total;
  return message;
}

v1::WorkerMessage CheckpointMessage(const v1::Assignment& a, const std::string& path, int32_t epoch,
                                    int64_t step) {
  v1::WorkerMessage message;
  auto* c = message.mutable_checkpoint();
  c->set_trial_id(a.trial_id());
  c->set_generation(a.generation());
  c->set_path(path);
  c->set_epoch(epoch);
  c->set_step(step);
  return message;
}

v1::WorkerMessage FailureMessage(const v1::Assignment& a, v1::FailureKind kind,
                                 const absl::Status& status, int64_t step) {
  v1::WorkerMessage message;
  auto* f = message.mutable_failure();
  f->set_trial_id(a.trial_id());
  f->set_generation(a.generation());
  f->set_rank(a.rank());
  f->set_kind(kind);
  f->set_message(std::string(status.message()));
  f->set_step(step);
  return message;
}

v1::WorkerMessage FinishedMessage(const v1::Assignment& a, int32_t epochs, int64_t steps) {
  v1::WorkerMessage message;
  auto* f = message.mutable_finished();
  f->set_trial_id(a.trial_id());
  f->set_generation(a.generation());
  f->set_epochs_completed(epochs);
  f->set_steps_completed(steps);
  return message;
}

v1::WorkerMessage SuspendedMessage(const v1::Assignment& a, v1::SuspendCause cause,
                                   const std::string& text, int64_t committed_step, int64_t step) {
  v1::WorkerMessage message;
  auto* s = message.mutable_suspended();
  s->set_trial_id(a.trial_id());
  s->set_generation(a.generation());
  s->set_rank(a.rank());
  s->set_committed_step(committed_step);
  s->set_cause(cause);
  s->set_message(text);
  s->set_step(step);
  return message;
}

v1::WorkerMessage StartedMessage(const v1::Assignment& a, int64_t start_step,
                                 const v1::Provenance& provenance) {
  v1::WorkerMessage message;
  auto* s = message.mutable_started();
  s->set_trial_id(a.trial_id());
  s->set_generation(a.generation());
  s->set_start_step(start_step);
  *s->mutable_provenance() = provenance;
  return message;
}

}  // namespace cascade::worker
