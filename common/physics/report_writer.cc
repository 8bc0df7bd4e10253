#include "common/physics/report_writer.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/physics/gnuplot_plot.h"

namespace cascade::physics {
namespace {

std::string Html(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// Plans every plot: the Ecal/Ep-vs-Ep profile, then each observable of each bin.
std::vector<PlotRequest> PlanPlots(const ValidationReport& r) {
  std::vector<PlotRequest> plots;
  if (!r.sampling_fraction_vs_energy.x.empty()) {
    plots.push_back(
        {"plots/sampling_fraction_vs_energy", "all events", false, &r.sampling_fraction_vs_energy});
  }
  for (size_t b = 0; b < r.bins.size(); ++b) {
    const EnergyBinReport& bin = r.bins[b];
    if (bin.n_reference == 0 && bin.n_candidate == 0) continue;
    for (const ObservableComparison& o : bin.observables) {
      const std::string stem = absl::StrCat("plots/bin", b, "/", o.name);
      if (o.kind == "profile") {
        plots.push_back({stem, bin.label, false, &o});
        plots.push_back({stem + "_log", bin.label, true, &o});
      } else {
        plots.push_back({stem, bin.label, o.log_y, &o});
      }
    }
  }
  return plots;
}

std::string IndexHtml(const ValidationReport& r, const std::vector<PlotRequest>& plots) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Cascade physics "
      "validation</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
      ".grid{display:flex;flex-wrap:wrap}.grid figure{margin:4px}.grid img{width:400px}"
      "figcaption{font-size:small}</style></head><body>\n<h1>Physics validation</h1>\n";
  fmt::format_to(
      std::back_inserter(h),
      "<table><tr><th>reference events</th><td>{}</td></tr><tr><th>candidate "
      "events</th><td>{}</td></tr>"
      "<tr><th>sampling-fraction MRE (SelectEpoch)</th><td>{:.5f} ± {:.5f}</td></tr>"
      "<tr><th>3DGAN metric (moment + profile)</th><td>{:.5f} = {:.5f} + {:.5f}</td></tr>"
      "<tr><th>3DGAN metric as originally computed (moment term twice)</th><td>{:.5f}</td></tr>"
      "<tr><th>max separation power</th><td>{:.5f} ({})</td></tr>"
      "<tr><th>validation wall time</th><td>{:.2f} s</td></tr></table>\n",
      r.n_reference, r.n_candidate, r.sf_mre, r.sf_mre_error, r.gan_metric.total,
      r.gan_metric.moment_term, r.gan_metric.profile_term, r.gan_metric.total_original_double_count,
      r.max_separation_power, Html(r.max_separation_observable), r.seconds);
  h += "<h2>Energy bins</h2>\n<table><tr><th>bin</th><th>n ref</th><th>n cand</th><th>&lt;SF&gt; "
       "ref</th>"
       "<th>&lt;SF&gt; cand</th><th>SF rel. error</th><th>moment error</th><th>profile "
       "error</th></tr>\n";
  for (const EnergyBinReport& b : r.bins) {
    fmt::format_to(
        std::back_inserter(h),
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.5f}</td><td>{:.5f}</td><td>{:.4f}</td>"
        "<td>{:.4f}</td><td>{:.4f}</td></tr>\n",
        Html(b.label), b.n_reference, b.n_candidate, b.sf_reference, b.sf_candidate,
        b.sf_relative_error, b.moment_error, b.profile_error);
  }
  h += "</table>\n";
  std::string section;
  for (const PlotRequest& p : plots) {
    if (p.subtitle != section) {
      if (!section.empty()) h += "</div>\n";
      section = p.subtitle;
      fmt::format_to(std::back_inserter(h), "<h2>{}</h2>\n<div class=\"grid\">\n", Html(section));
    }
    const ObservableComparison& o = *p.observable;
    std::string caption = Html(o.title) + (p.log_y ? " (log)" : "");
    if (o.separation_power)
      caption += fmt::format("<br>separation power {:.4f}", *o.separation_power);
    fmt::format_to(std::back_inserter(h),
                   "<figure><a href=\"{0}.png\"><img src=\"{0}.png\" alt=\"{1}\"></a>"
                   "<figcaption>{2}</figcaption></figure>\n",
                   p.stem, Html(o.name), caption);
  }
  if (!section.empty()) h += "</div>\n";
  h += "<p>Definitions: docs/physics-validation.md. Raw numbers: <a "
       "href=\"metrics.json\">metrics.json</a>.</p>\n"
       "</body></html>\n";
  return h;
}

absl::Status WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteValidationReport(const ValidationReport& report, const std::string& dir,
                                   const ReportWriterOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::InternalError(
        absl::StrCat("cannot create report directory ", dir, ": ", ec.message()));
  const std::filesystem::path root(dir);
  if (auto s = WriteText(root / "metrics.json", nlohmann::json(report).dump(2) + "\n"); !s.ok())
    return s;
  std::vector<PlotRequest> plots;
  if (options.plots) {
    plots = PlanPlots(report);
    if (auto s = WritePlotScripts(dir, plots); !s.ok()) return s;
    if (auto s = RunGnuplot(options.gnuplot, dir, plots); !s.ok()) return s;
  }
  return WriteText(root / "index.html", IndexHtml(report, plots));
}

}  // namespace cascade::physics
