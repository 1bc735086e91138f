// `slipway init`: inspect the repository and write a starter slipway.yml (pipeline/init.hpp;
// docs/init.md describes the rules).
#include <fmt/format.h>

#include "adopt/starter_manifest.hpp"
#include "cli/command.hpp"
#include "pipeline/init.hpp"

namespace cli {
namespace {

struct InitOptions {
    pipeline::InitRequest request;
    bool json = false;
};

common::Result<int> run_init(const InitOptions& o) {
    auto done = pipeline::init_project(o.request);
    if (!done) return std::unexpected(done.error());
    if (o.json) {
        write_out(adopt::init_json(done->found, done->manifest.string()));
        return 0;
    }
    for (const auto& w : done->found.warnings) fmt::print(stderr, "slipway: warning: {}\n", w);
    write_out(adopt::summary(done->found));
    write_out(fmt::format(
        "wrote {} ({} components, {} environments); check it with "
        "'slipway validate --strict'\n",
        done->manifest.string(), done->found.components.size(), done->found.environments.size()));
    return 0;
}

}  // namespace

Handler setup_init(CLI::App& sub) {
    auto o = std::make_shared<InitOptions>();
    add_project_options(sub, o->request.repo, nullptr);
    sub.add_option("--template", o->request.template_file,
                   "the CloudFormation/SAM template (default: the one found in the repository)")
        ->type_name("FILE");
    sub.add_flag("--force", o->request.force, "overwrite an existing slipway.yml");
    sub.add_flag("--json", o->json, "print what was found and written as JSON (docs/json.md)");
    sub.footer(examples({"slipway init", "slipway init --template infra/template.yml --force",
                         "slipway init --json"}));
    return [o] { return run_init(*o); };
}

}  // namespace cli
