// See command.hpp.
#include "cli/command.hpp"

#include <cstdio>

namespace cli {

void add_project_options(CLI::App& sub, std::string& repo, std::string* manifest) {
    sub.add_option("--repo", repo, "repository (or a folder inside it)");
    if (manifest)
        sub.add_option("--manifest", *manifest, "manifest file (default: slipway.yml at the root)");
}

void write_out(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace cli
