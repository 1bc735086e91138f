// See git_auth.hpp. The credential chain is made on first use (a remote that is not
// CodeCommit never touches AWS) and kept: it caches and refreshes temporary credentials.
#include "pipeline/git_auth.hpp"

#include <memory>
#include <mutex>

#include "aws/codecommit.hpp"
#include "aws/credentials.hpp"

namespace pipeline {

diff::CredentialProvider git_credentials(aws::Env env) {
    struct Chain {
        std::mutex mutex;
        std::shared_ptr<aws::CredentialSource> source;
    };
    auto chain = std::make_shared<Chain>();
    return [env, chain](const std::string& url) -> common::Result<std::optional<diff::UserPass>> {
        auto remote = aws::codecommit_remote(url, env);
        if (!remote) return std::optional<diff::UserPass>();
        std::shared_ptr<aws::CredentialSource> source;
        {
            std::lock_guard lock(chain->mutex);
            if (!chain->source) {
                aws::ChainOptions o;
                o.env = env;
                o.region = remote->region;
                chain->source = aws::default_credentials(o);
            }
            source = chain->source;
        }
        auto credentials = source->get();
        if (!credentials)
            return std::unexpected(credentials.error().with_context("CodeCommit " + remote->path));
        auto signed_in = aws::codecommit_git_credentials(*remote, *credentials,
                                                         std::chrono::system_clock::now());
        return std::optional<diff::UserPass>(
            diff::UserPass{std::move(signed_in.username), std::move(signed_in.password)});
    };
}

}  // namespace pipeline
