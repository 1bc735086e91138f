// `slipway init`: inspect the repository and write a starter slipway.yml (pipeline/init.hpp;
// docs/init.md describes the rules).
#include <fmt/format.h>

#include "adopt/starter_manifest.hpp"
#include "cli/command.hpp"
#include "pipeline/init.hpp"

namespace cli {
namespace {

common::Result<int> run_init(const pipeline::InitRequest& r) {
    auto done = pipeline::init_project(r);
    if (!done) return std::unexpected(done.error());
    write_out(adopt::summary(done->found));
    write_out(fmt::format(
        "wrote {} ({} components, {} environments); check it with "
        "'slipway validate'\n",
        done->manifest.string(), done->found.components.size(), done->found.environments.size()));
    return 0;
}

}  // namespace

Handler setup_init(CLI::App& sub) {
    auto o = std::make_shared<pipeline::InitRequest>();
    add_project_options(sub, o->repo, nullptr);
    sub.add_option("--template", o->template_file,
                   "the CloudFormation/SAM template (default: the one found in the repository)")
        ->type_name("FILE");
    sub.add_flag("--force", o->force, "overwrite an existing slipway.yml");
    sub.footer(examples({"slipway init", "slipway init --template infra/template.yml --force"}));
    return [o] { return run_init(*o); };
}

}  // namespace cli
