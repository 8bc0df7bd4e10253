#include "common/physics/gnuplot_plot.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

extern char** environ;

namespace cascade::physics {
namespace {

// gnuplot double-quoted strings: escape backslashes and quotes; titles are set `noenhanced`.
std::string Quote(const std::string& s) {
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

// Columns: x, ref, ref_err, cand, cand_err, ratio, ratio_err, expectation. "NaN" is undefined
// for gnuplot, so undefined ratios simply leave a gap.
std::string DataFile(const ObservableComparison& c) {
  std::string out =
      "# x reference reference_error candidate candidate_error ratio ratio_error expectation\n";
  // A profile bin without events has no mean: write it as NaN so gnuplot leaves a gap instead of
  // drawing the curve down to 0.
  const bool profile = c.kind == "profile";
  auto value = [&](double v, double err) {
    return profile && v == 0.0 && err == 0.0 ? static_cast<double>(NAN) : v;
  };
  for (size_t i = 0; i < c.x.size(); ++i) {
    const double r = value(c.reference[i], c.reference_error[i]);
    const double k = value(c.candidate[i], c.candidate_error[i]);
    double ratio = NAN, ratio_err = NAN;
    if (r > 0.0) {
      ratio = k / r;
      const double rel_r = c.reference_error[i] / r;
      const double rel_k = k > 0.0 ? c.candidate_error[i] / k : 0.0;
      ratio_err = ratio * std::sqrt(rel_r * rel_r + rel_k * rel_k);
    }
    const double expectation = i < c.expectation.size() ? c.expectation[i] : NAN;
    fmt::format_to(std::back_inserter(out),
                   "{:.9g} {:.9g} {:.9g} {:.9g} {:.9g} {:.9g} {:.9g} {:.9g}\n", c.x[i], r,
                   c.reference_error[i], k, c.candidate_error[i], ratio, ratio_err, expectation);
  }
  return out;
}

std::string Script(const PlotRequest& p, const std::string& data, const std::string& png) {
  const ObservableComparison& c = *p.observable;
  const bool histogram = c.kind == "histogram" || c.kind == "profile";
  // Profiles (means per x bin) are points: a line would join bins across empty ones.
  const std::string style_ref = c.kind == "profile" ? "points pt 7 ps 1.2"
                                : histogram         ? "histeps"
                                                    : "lines";
  std::string title = absl::StrCat(c.title, " — ", p.subtitle);
  if (c.separation_power) title += fmt::format(" (separation {:.4f})", *c.separation_power);
  std::string s;
  fmt::format_to(std::back_inserter(s),
                 "reset\n"
                 "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {{\n"
                 "  set terminal pngcairo size 800,640 font 'sans,10'\n"
                 "}} else {{\n"
                 "  set terminal png size 800,640\n"
                 "}}\n"
                 "set output {}\n"
                 "set multiplot\n"
                 "set lmargin at screen 0.12\nset rmargin at screen 0.96\n"
                 "set tmargin at screen 0.92\nset bmargin at screen 0.34\n"
                 "set title {} noenhanced\n"
                 "set ylabel {} noenhanced\n"
                 "set format x ''\nset grid\nset key top right\n",
                 Quote(png), Quote(title), Quote(c.y_label));
  if (p.log_y) s += "set logscale y\nset format y '10^{%L}'\n";
  if (c.log_x) s += "set logscale x\n";
  const std::string d = Quote(data);
  fmt::format_to(std::back_inserter(s),
                 "plot {0} u 1:2 w {1} lw 2 lc rgb '#1f77b4' title 'reference', \\\n"
                 "     {0} u 1:2:3 w yerrorbars pt 0 lc rgb '#1f77b4' notitle, \\\n"
                 "     {0} u 1:4 w {1} lw 2 dt 2 lc rgb '#d62728' title 'candidate', \\\n"
                 "     {0} u 1:4:5 w yerrorbars pt 0 lc rgb '#d62728' notitle",
                 d, style_ref);
  if (!c.expectation.empty())
    fmt::format_to(std::back_inserter(s),
                   ", \\\n     {} u 1:8 w lines dt 3 lw 2 lc rgb 'black' title 'GetEcalFit'", d);
  fmt::format_to(std::back_inserter(s),
                 "\n"
                 "unset title\nunset logscale y\nset format y '%g'\nset format x '%g'\n"
                 "set tmargin at screen 0.34\nset bmargin at screen 0.09\n"
                 "set xlabel {} noenhanced\nset ylabel 'candidate / reference'\n"
                 "set yrange [0.5:1.5]\nset ytics (0.5, 0.75, 1, 1.25)\n"
                 "plot {} u 1:6:7 w yerrorbars pt 7 ps 0.5 lc rgb 'black' notitle, 1 w lines lc "
                 "rgb 'gray' notitle\n"
                 "unset multiplot\nunset output\n",
                 Quote(c.x_label), d);
  return s;
}

absl::Status WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::Status WritePlotScripts(const std::string& root, const std::vector<PlotRequest>& plots) {
  for (const PlotRequest& p : plots) {
    const std::filesystem::path stem = std::filesystem::path(root) / p.stem;
    std::error_code ec;
    std::filesystem::create_directories(stem.parent_path(), ec);
    if (ec)
      return absl::InternalError(
          absl::StrCat("cannot create ", stem.parent_path().string(), ": ", ec.message()));
    // Scripts refer to files relative to `root`, where gnuplot runs.
    if (auto s = WriteText(stem.string() + ".dat", DataFile(*p.observable)); !s.ok()) return s;
    if (auto s = WriteText(stem.string() + ".gp", Script(p, p.stem + ".dat", p.stem + ".png"));
        !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::Status RunGnuplot(const std::string& gnuplot, const std::string& root,
                        const std::vector<PlotRequest>& plots) {
  std::vector<std::string> args = {gnuplot};
  for (const PlotRequest& p : plots) args.push_back(p.stem + ".gp");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, root.c_str());
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, gnuplot.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", gnuplot,
                     "' not found: install Debian's gnuplot-nox for plots, or write metrics only "
                     "(--metrics-only)"));
  }
  if (rc != 0)
    return absl::InternalError(absl::StrCat("cannot start ", gnuplot, ": ", std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return absl::InternalError(absl::StrCat("waitpid(", gnuplot, "): ", std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(gnuplot, " failed (status ", status, ") on the scripts in ", root));
  }
  return absl::OkStatus();
}

}  // namespace cascade::physics
