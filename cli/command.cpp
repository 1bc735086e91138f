// See command.hpp.
#include "cli/command.hpp"

#include <cstdio>

namespace cli {

void add_project_options(CLI::App& sub, std::string& repo, std::string* manifest) {
    sub.add_option("--repo", repo, "repository (or a folder inside it)")->type_name("DIR");
    if (manifest)
        sub.add_option("--manifest", *manifest, "manifest file (default: slipway.yml at the root)")
            ->type_name("FILE");
}

void add_store_option(CLI::App& sub, std::string& store) {
    sub.add_option("--store", store,
                   "version store URL (default: $SLIPWAY_STORE, else the manifest's store:, else "
                   "sqlite:.slipway/state.db)")
        ->type_name("URL");
}

void add_target_options(CLI::App& sub, deploy::TargetFilter& targets) {
    sub.add_option("--wave", targets.wave, "deploy this wave of the environment only (1, 2, ...)")
        ->check(CLI::Range(1, 1000).description(""))
        ->type_name("N");
    sub.add_option("--region", targets.region,
                   "deploy to this region (or account id, or ACCOUNT/REGION) only")
        ->type_name("REGION");
}

std::string examples(std::initializer_list<const char*> commands) {
    std::string out = "Examples:\n";
    for (const char* c : commands) out += std::string("  ") + c + "\n";
    return out;
}

void write_out(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace cli
