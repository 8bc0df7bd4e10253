#include "worker/trainer/chrome_trace.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::trainer {

ChromeTrace::~ChromeTrace() { Close(); }

absl::Status ChromeTrace::Open(const std::string& path, int rank, const std::string& host) {
  out_.open(path, std::ios::trunc);
  if (!out_) return absl::PermissionDeniedError(absl::StrCat("--trace ", path, ": cannot create"));
  rank_ = rank;
  first_ = true;
  steady0_ = Clock::now();
  wall0_us_ = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  out_ << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  const std::string label = absl::StrCat("rank ", rank, host.empty() ? "" : " on ", host);
  Write({{"name", "process_name"}, {"ph", "M"}, {"pid", rank}, {"args", {{"name", label}}}});
  Write({{"name", "process_sort_index"},
         {"ph", "M"},
         {"pid", rank},
         {"args", {{"sort_index", rank}}}});
  Write({{"name", "thread_name"},
         {"ph", "M"},
         {"pid", rank},
         {"tid", 0},
         {"args", {{"name", "training step"}}}});
  return absl::OkStatus();
}

void ChromeTrace::Phase(const char* name, const char* category, Clock::time_point begin,
                        Clock::time_point end, nlohmann::json args) {
  if (!out_.is_open()) return;
  using std::chrono::duration;
  const double ts = wall0_us_ + duration<double, std::micro>(begin - steady0_).count();
  nlohmann::json e = {{"name", name},
                      {"cat", category},
                      {"ph", "X"},
                      {"pid", rank_},
                      {"tid", 0},
                      {"ts", ts},
                      {"dur", duration<double, std::micro>(end - begin).count()}};
  if (!args.is_null()) e["args"] = std::move(args);
  Write(e);
}

void ChromeTrace::Write(const nlohmann::json& event) {
  out_ << (first_ ? "" : ",\n") << event.dump();
  first_ = false;
  out_.flush();  // a rank killed later still leaves its finished steps
}

void ChromeTrace::Close() {
  if (!out_.is_open()) return;
  out_ << "\n]}\n";
  out_.close();
}

absl::Status MergeChromeTraces(const std::vector<std::string>& inputs, const std::string& output) {
  nlohmann::json merged = {{"displayTimeUnit", "ms"}, {"traceEvents", nlohmann::json::array()}};
  std::vector<std::string> problems;
  for (const auto& path : inputs) {
    std::ifstream in(path);
    if (!in) {
      problems.push_back(absl::StrCat(path, ": missing"));
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded())
      j = nlohmann::json::parse(text.str() + "\n]}", nullptr, false);  // cut off
    if (j.is_discarded() || !j.contains("traceEvents")) {
      problems.push_back(absl::StrCat(path, ": not a trace"));
      continue;
    }
    for (auto& e : j["traceEvents"]) merged["traceEvents"].push_back(std::move(e));
  }
  std::ofstream out(output, std::ios::trunc);
  if (!(out << merged.dump() << "\n")) {
    return absl::PermissionDeniedError(absl::StrCat("--trace ", output, ": cannot write"));
  }
  if (!problems.empty()) {
    return absl::DataLossError(absl::StrCat("trace merge: ", absl::StrJoin(problems, "; ")));
  }
  return absl::OkStatus();
}

}  // namespace cascade::trainer
