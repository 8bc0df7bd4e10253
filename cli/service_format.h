// Rendering helpers shared by the service commands: aligned text tables, protobuf -> JSON with
// the .proto field names, short enum labels ("RUNNING" for SCAN_STATE_RUNNING), hyperparameters,
// timestamps and progress bars. Pure functions of their inputs (no I/O besides the given stream).
#pragma once

#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/map.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cascade/v1/trial.pb.h"

namespace cascade::cli {

// A table printed with aligned columns: a header row, then one row per AddRow. Columns whose
// header is listed in `right_aligned` (numbers) are padded on the left.
class Table {
 public:
  explicit Table(std::vector<std::string> headers, std::vector<std::string> right_aligned = {});
  void AddRow(std::vector<std::string> cells);  // missing cells print empty
  size_t rows() const { return rows_.size(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// MessageToJsonString with the .proto field names and every field printed (zeros included), so
// scripts see a stable shape; indented unless `compact`. Ends without a newline.
std::string ToJson(const google::protobuf::Message& message, bool compact = false);
nlohmann::json ToJsonValue(const google::protobuf::Message& message);

// "RUNNING" for SCAN_STATE_RUNNING: the value name without the prefix its enum's zero value has.
std::string EnumLabel(const google::protobuf::EnumDescriptor* descriptor, int value);
template <typename E>
std::string EnumLabel(E value) {
  return EnumLabel(google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value));
}
// Parses "running", "RUNNING" or "SCAN_STATE_RUNNING"; InvalidArgument names the value and lists
// the accepted labels.
absl::StatusOr<int> ParseEnumLabel(const google::protobuf::EnumDescriptor* descriptor,
                                   std::string_view label);

std::string FormatHparam(const v1::HparamValue& value);
// "batch=64 lr=0.001", sorted by name (a protobuf map has no order).
std::string FormatHparams(const google::protobuf::Map<std::string, v1::HparamValue>& hparams);
// "2026-11-29 03:41:02" UTC; "-" for an unset timestamp.
std::string FormatTime(const google::protobuf::Timestamp& time);
// "12s", "4m", "3h", "2d" since `time` (relative to now); "-" when unset.
std::string FormatAge(const google::protobuf::Timestamp& time);
// Six significant digits, no trailing zeros.
std::string FormatNumber(double value);
// "[########------------]" for done/total (empty bar when total <= 0).
std::string ProgressBar(int64_t done, int64_t total, int width = 20);

// The -o flag of the service commands.
enum class OutputFormat { kTable, kJson, kCsv };
OutputFormat ParseOutputFormat(const std::string& name);  // "table" | "json" | "csv"

}  // namespace cascade::cli
