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

std::string examples(std::initializer_list<const char*> commands) {
    std::string out = "Examples:\n";
    for (const char* c : commands) out += std::string("  ") + c + "\n";
    return out;
}

void write_out(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace cli
