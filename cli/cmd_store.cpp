// `slipway store init`: create the version store (a SQLite file, or a DynamoDB table).
#include "cli/command.hpp"
#include "pipeline/host.hpp"
#include "pipeline/project.hpp"

namespace cli {
namespace {

struct StoreOptions {
    std::string repo = ".";
    std::string manifest;
    std::string store;
};

common::Result<int> run_store_init(const StoreOptions& o) {
    std::optional<diff::Repository> repo;
    if (auto opened = diff::Repository::open(o.repo)) repo = std::move(*opened);
    std::optional<components::Manifest> manifest;
    if (repo || !o.manifest.empty()) {
        if (auto m = pipeline::load_project_manifest(repo ? &*repo : nullptr, o.manifest, "HEAD"))
            manifest = std::move(*m);
    }
    const std::string root = repo ? repo->root().string() : ".";
    const std::string url = pipeline::store_url(o.store, manifest ? &*manifest : nullptr);
    if (url.starts_with("sqlite:")) pipeline::slipway_dir(root, "");
    auto done = versioning::init_store(url, root);
    if (!done) return std::unexpected(done.error());
    write_out(*done + "\n");
    return 0;
}

}  // namespace

Handler setup_store(CLI::App& sub) {
    auto o = std::make_shared<StoreOptions>();
    sub.require_subcommand(1);
    auto* init =
        sub.add_subcommand("init", "create the store if it does not exist (DynamoDB: the table)");
    add_project_options(*init, o->repo, &o->manifest);
    init->add_option("--store", o->store, "store URL (sqlite:PATH or dynamodb://TABLE?region=R)")
        ->type_name("URL");
    init->footer(examples({"slipway store init",
                           "slipway store init --store 'dynamodb://slipway-ml?region=us-east-1'"}));
    sub.footer(examples({"slipway store init"}));
    return [o] { return run_store_init(*o); };
}

}  // namespace cli
