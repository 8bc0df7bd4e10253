#include "common/scan/searcher/simulation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::scan {

Simulation::Simulation(SearchMethod* searcher, Objective objective, FailurePredicate fails)
    : searcher_(searcher), objective_(std::move(objective)), fails_(std::move(fails)) {}

absl::Status Simulation::Start() {
  CASCADE_ASSIGN_OR_RETURN(std::vector<Action> actions, searcher_->InitialTrials());
  return Apply(actions);
}

absl::Status Simulation::Apply(const std::vector<Action>& actions) {
  for (const Action& action : actions) {
    actions_.push_back(action);
    if (const auto* create = std::get_if<Create>(&action)) {
      if (trials_.count(create->request_id)) {
        return absl::InternalError(
            absl::StrCat("simulation: duplicate request id ", create->request_id));
      }
      trials_[create->request_id].create = *create;
      queue_.push_back(create->request_id);
    } else if (const auto* stop = std::get_if<Stop>(&action)) {
      // A real trial stops at the next step boundary and then exits; here that is immediate.
      auto it = trials_.find(stop->request_id);
      if (it == trials_.end()) return absl::InternalError("simulation: Stop for an unknown trial");
      it->second.stopped = true;
    } else {
      shut_down_ = true;
    }
  }
  // Exit stopped trials after the whole batch was recorded, in request-id order.
  for (const Action& action : actions) {
    if (const auto* stop = std::get_if<Stop>(&action)) {
      CASCADE_RETURN_IF_ERROR(Exit(stop->request_id, /*failed=*/false));
    }
  }
  return absl::OkStatus();
}

absl::Status Simulation::Exit(int64_t request_id, bool failed) {
  queue_.erase(std::remove(queue_.begin(), queue_.end(), request_id), queue_.end());
  CASCADE_ASSIGN_OR_RETURN(std::vector<Action> actions, searcher_->TrialExited(request_id, failed));
  return Apply(actions);
}

absl::StatusOr<bool> Simulation::Step() {
  if (shut_down_ || queue_.empty()) return false;
  const int64_t id = queue_.front();
  queue_.pop_front();
  SimulatedTrial& trial = trials_[id];
  const int epoch = trial.epochs_trained + 1;
  if (fails_ && fails_(trial.create, epoch)) {
    trial.failed = true;
    CASCADE_RETURN_IF_ERROR(Exit(id, /*failed=*/true));
    return !shut_down_;
  }
  trial.epochs_trained = epoch;
  trial.metrics.push_back(objective_(trial.create, epoch));
  queue_.push_back(id);  // back of the round-robin unless it finishes or is stopped below
  CASCADE_ASSIGN_OR_RETURN(std::vector<Action> actions,
                           searcher_->ValidationCompleted(id, epoch, trial.metrics.back()));
  CASCADE_RETURN_IF_ERROR(Apply(actions));
  if (!trial.stopped && epoch >= searcher_->TrialEpochs()) {
    CASCADE_RETURN_IF_ERROR(Exit(id, /*failed=*/false));
  }
  return !shut_down_;
}

absl::Status Simulation::Run(int64_t max_steps) {
  for (int64_t i = 0; i < max_steps; ++i) {
    CASCADE_ASSIGN_OR_RETURN(bool more, Step());
    if (!more) return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("simulation did not finish in ", max_steps, " steps"));
}

absl::StatusOr<std::map<int64_t, SimulatedTrial>> Simulate(SearchMethod& searcher,
                                                           Objective objective,
                                                           FailurePredicate fails) {
  Simulation simulation(&searcher, std::move(objective), std::move(fails));
  CASCADE_RETURN_IF_ERROR(simulation.Start());
  CASCADE_RETURN_IF_ERROR(simulation.Run());
  return simulation.trials();
}

}  // namespace cascade::scan
