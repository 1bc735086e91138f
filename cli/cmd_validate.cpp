// `slipway validate`: the manifest loaded and its patterns checked against the head's files
// (pipeline/validation.hpp); warnings on stderr and a summary line, or JSON.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "common/path_text.hpp"
#include "pipeline/validation.hpp"

namespace cli {
namespace {

struct ValidateOptions {
    std::string repo = ".";
    std::string manifest;
    std::string head = "HEAD";
    bool unowned = false;
    bool strict = false;
    bool json = false;
};

common::Result<int> run_validate(const ValidateOptions& o) {
    auto v = pipeline::validate_project(o.repo, o.manifest, o.head, o.unowned);
    if (!v) return std::unexpected(v.error());
    if (o.json) {
        write_out(pipeline::validation_json(*v));
    } else {
        for (const auto& w : v->warnings) fmt::print(stderr, "slipway: warning: {}\n", w);
        std::string out =
            fmt::format("{}: ok ({} components, {} environments, {} warnings)\n", v->manifest,
                        v->components, v->environments, v->warnings.size());
        // A path may hold a newline or a quote: git's quoting keeps one per line.
        for (const auto& f : v->unowned) out += "unowned: " + common::quote_path(f) + "\n";
        write_out(out);
    }
    return o.strict && !v->warnings.empty() ? 2 : 0;
}

}  // namespace

Handler setup_validate(CLI::App& sub) {
    auto o = std::make_shared<ValidateOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    sub.add_option("--head", o->head, "check patterns against this commit's files (default HEAD)")
        ->type_name("REF");
    sub.add_flag("--unowned", o->unowned, "list files that belong to no component");
    sub.add_flag("--strict", o->strict, "exit 2 when there are warnings");
    sub.add_flag("--json", o->json, "print the result as JSON, warnings included (docs/json.md)");
    sub.footer(examples({"slipway validate", "slipway validate --unowned --strict",
                         "slipway validate --manifest ci/slipway.yml --json"}));
    return [o] { return run_validate(*o); };
}

}  // namespace cli
