#include "common/scan/searcher/action.h"

#include "absl/strings/str_cat.h"

namespace cascade::scan {

std::string ActionToString(const Action& action) {
  if (const auto* c = std::get_if<Create>(&action)) {
    return absl::StrCat("Create{", c->request_id, ", seed=", c->seed, ", ",
                        HparamsToJson(c->hparams).dump(), "}");
  }
  if (const auto* s = std::get_if<Stop>(&action)) return absl::StrCat("Stop{", s->request_id, "}");
  return "Shutdown{}";
}

}  // namespace cascade::scan
