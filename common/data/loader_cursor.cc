#include "common/data/loader_cursor.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace cascade::data {

int64_t CursorOffset(const LoaderCursor& c, int64_t global_batch) {
  return c.base_offset + (c.batch - c.base_batch) * global_batch;
}

int64_t BatchesInEpoch(const LoaderCursor& c, int64_t num_events, int64_t global_batch) {
  if (c.base_offset >= num_events) return c.base_batch;
  return c.base_batch + (num_events - c.base_offset) / global_batch;
}

LoaderCursor Rebase(const LoaderCursor& c, int64_t num_events, int64_t old_global_batch,
                    int64_t new_global_batch) {
  if (old_global_batch == new_global_batch) return c;
  const int64_t offset = CursorOffset(c, old_global_batch);
  if (num_events - offset < new_global_batch) return {c.epoch + 1, 0, 0, 0};
  return {c.epoch, c.batch, c.batch, offset};
}

std::string CursorToJson(const LoaderCursor& c, int64_t global_batch) {
  return nlohmann::json{{"epoch", c.epoch},
                        {"batch", c.batch},
                        {"base_batch", c.base_batch},
                        {"base_offset", c.base_offset},
                        {"global_batch", global_batch}}
      .dump();
}

absl::StatusOr<StoredCursor> CursorFromJson(const std::string& text, const std::string& source) {
  auto bad = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(source, ": corrupt data cursor '", text, "': ", why));
  };
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  StoredCursor out;
  struct Field {
    const char* name;
    int64_t* value;
    bool required;
  };
  for (const Field& f :
       {Field{"epoch", &out.cursor.epoch, true}, Field{"batch", &out.cursor.batch, true},
        Field{"base_batch", &out.cursor.base_batch, false},
        Field{"base_offset", &out.cursor.base_offset, false},
        Field{"global_batch", &out.global_batch, false}}) {
    const auto it = j.find(f.name);
    if (it == j.end()) {
      if (f.required) return bad(absl::StrCat("no '", f.name, "'"));
      continue;
    }
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return bad(absl::StrCat("'", f.name, "' is not a non-negative integer"));
    }
    *f.value = it->get<int64_t>();
  }
  if (out.cursor.batch < out.cursor.base_batch) return bad("batch before base_batch");
  return out;
}

}  // namespace cascade::data
