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

void add_github_options(CLI::App& sub, std::string& api_url, std::string& token_file,
                        std::string& repository, std::string& app_id, std::string& app_key_file,
                        const char* repository_help) {
    sub.add_option("--github-api-url", api_url,
                   "GitHub's REST API (default https://api.github.com, or GITHUB_API_URL; "
                   "Enterprise Server: https://HOST/api/v3)")
        ->type_name("URL");
    sub.add_option("--github-token-file", token_file,
                   "a GitHub token (first line of FILE; default GITHUB_TOKEN)")
        ->type_name("FILE");
    sub.add_option("--github-repository", repository, repository_help)
        ->type_name("OWNER/NAME");
    sub.add_option("--github-app-id", app_id, "authenticate as this GitHub App (with its key)")
        ->type_name("ID");
    sub.add_option("--github-app-key-file", app_key_file, "the GitHub App's private key (PEM)")
        ->type_name("FILE");
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
