// See run_report.hpp.
#include "cli/run_report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "common/text.hpp"
#include "pipeline/ci_outputs.hpp"
#include "pipeline/host.hpp"
#include "pipeline/junit.hpp"

namespace cli {

using pipeline::RunSummary;

std::string summary_table(const RunSummary& s) {
    std::string out = fmt::format("\n{:<24} {:<10} {:<7} {:<9} {}\n", "component", "status",
                                  "build", "parameter", "image");
    for (const auto& r : s.rows) {
        const std::string param = r.parameter.empty()   ? "-"
                                  : r.parameter_changed ? "changed"
                                                        : "same";
        out += fmt::format("{:<24} {:<10} {:<7} {:<9} {}\n", r.component, r.status,
                           r.build_number ? "#" + std::to_string(r.build_number) : "-", param,
                           r.image_uri.empty() ? "-" : r.image_uri);
    }
    for (const auto& r : s.rows) {
        if (r.status == "reused")
            out += fmt::format("{}: reused #{}{} (same inputs)\n", r.component, r.build_number,
                               r.reused_from.empty() ? "" : " from " + r.reused_from);
    }
    std::string phases;
    for (const auto& p : s.phases)
        phases += fmt::format("{}{} {}", phases.empty() ? "" : ", ", p.name,
                              common::format_duration(p.millis));
    out += fmt::format("run {} ({}): {}", s.run_id, s.env, s.result);
    if (s.deployment_id) out += fmt::format(", deployment #{}", s.deployment_id);
    if (!phases.empty()) out += " in " + phases;
    return out + "\n";
}

common::Result<void> write_document(const std::string& file, const std::string& text) {
    if (file == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return {};
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return common::fail(common::ErrorCode::input, "cannot write " + file);
    return {};
}

common::Result<void> write_reports(const RunSummary& s, const std::string& json_file,
                                   const std::string& junit_file) {
    if (!json_file.empty()) {
        if (auto ok = write_document(json_file, pipeline::report_json(s)); !ok) return ok;
    }
    if (junit_file.empty()) return {};
    return write_document(junit_file, pipeline::junit_xml(s));
}

void report_to_ci(const pipeline::RunSummary& s, const pipeline::Project& p, std::ostream& out) {
    std::vector<std::string> warnings;
    const auto env = pipeline::environment_values(pipeline::ci_variables());
    for (const auto& line :
         pipeline::write_ci_outputs(s, p.manifest.commit_url, env, p.root, warnings))
        out << line << "\n";
    out << std::flush;
    for (const auto& w : warnings) std::cerr << "slipway: warning: " << w << "\n";
}

}  // namespace cli
