// `slipway __complete components|environments`: the names the shell completions offer for
// COMPONENT and ENV values (packaging/cli_docs.py), read from the repository's manifest.
// Hidden from --help. Quiet by design: no manifest, or one that does not load, prints
// nothing and exits 0 (a completion never prints errors into the command line).
#include "cli/command.hpp"
#include "pipeline/project.hpp"

namespace cli {
namespace {

struct CompleteOptions {
    std::string kind;
    std::string repo = ".";
};

common::Result<int> run_complete(const CompleteOptions& o) {
    auto repo = diff::Repository::open(o.repo);
    auto manifest = pipeline::load_project_manifest(repo ? &*repo : nullptr, "", "HEAD");
    if (!manifest) return 0;
    std::string out;
    if (o.kind == "components") {
        for (const auto& c : manifest->components) out += c.name + "\n";
    } else if (o.kind == "environments") {
        for (const auto& e : manifest->environments) out += e.name + "\n";
    }
    write_out(out);
    return 0;
}

}  // namespace

Handler setup_complete(CLI::App& sub) {
    auto o = std::make_shared<CompleteOptions>();
    sub.add_option("kind", o->kind, "components or environments")
        ->required()
        ->check(CLI::IsMember({"components", "environments"}));
    add_project_options(sub, o->repo, nullptr);
    return [o] { return run_complete(*o); };
}

}  // namespace cli
