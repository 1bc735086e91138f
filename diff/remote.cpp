// See remote.hpp.
#include "diff/remote.hpp"

#include <algorithm>
#include <cctype>

#include "diff/certificates.hpp"
#include "diff/git_handles.hpp"

namespace diff {
namespace {

using common::ErrorCode;
using RemoteHandle = detail::GitHandle<git_remote, git_remote_free>;
using RevwalkHandle = detail::GitHandle<git_revwalk, git_revwalk_free>;

common::Result<git_oid> oid_of(const std::string& hex) {
    git_oid id;
    if (git_oid_fromstr(&id, hex.c_str()) != 0)
        return common::fail(ErrorCode::input, "not a commit id: '" + hex + "'");
    return id;
}

bool is_https(std::string_view url) {
    if (url.size() < 8) return false;
    std::string scheme(url.substr(0, 8));
    std::ranges::transform(scheme, scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    return scheme == "https://";
}

common::Result<RemoteHandle> lookup(const Repository& repo, const std::string& remote) {
    git_remote* raw = nullptr;
    if (git_remote_lookup(&raw, repo.handle(), remote.c_str()) != 0)
        return common::fail(ErrorCode::input, "the repository has no remote '" + remote + "'");
    return RemoteHandle(raw);
}

// What the credentials callback knows between libgit2's calls.
struct CredentialState {
    const CredentialProvider* provider = nullptr;
    int asked = 0;
    std::string error;  // why the callback stopped the fetch
};

// libgit2's credential callback: the provider's user and password for a server that asks;
// a second request for the same fetch means they were refused.
int give_credentials(git_credential** out, const char* url, const char* /*username_from_url*/,
                     unsigned int allowed, void* payload) {
    auto* state = static_cast<CredentialState*>(payload);
    if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) || !state->provider || !*state->provider)
        return GIT_PASSTHROUGH;
    if (++state->asked > 1) {
        state->error = "the remote refused the credentials";
        return GIT_EUSER;
    }
    auto given = (*state->provider)(url ? url : "");
    if (!given) {
        state->error = given.error().message;
        return GIT_EUSER;
    }
    if (!*given) return GIT_PASSTHROUGH;
    return git_credential_userpass_plaintext_new(out, (*given)->username.c_str(),
                                                 (*given)->password.c_str());
}

// libgit2's message on one line (mbedTLS lists each failed check on a line of its own).
std::unexpected<common::Error> fetch_failure(const std::string& remote) {
    std::string why = detail::last_git_error();
    while (!why.empty() && why.back() == '\n') why.pop_back();
    for (std::size_t at = why.find('\n'); at != std::string::npos; at = why.find('\n', at))
        why.replace(at, 1, "; ");
    return common::fail(ErrorCode::external, "fetching remote '" + remote + "': " + why);
}

}  // namespace

std::string remote_url(const Repository& repo, const std::string& remote) {
    auto handle = lookup(repo, remote);
    if (!handle) return "";
    const char* url = git_remote_url(handle->get());
    return url ? url : "";
}

common::Result<void> check_fetch_settings(const Repository& repo, const std::string& remote) {
    auto handle = lookup(repo, remote);
    if (!handle) return {};
    const char* url = git_remote_url(handle->get());
    if (!url || !is_https(url)) return {};
    auto ok = detail::ca_locations(repo.handle());
    if (!ok) return std::unexpected(ok.error().with_context("remote '" + remote + "'"));
    return {};
}

common::Result<void> fetch(const Repository& repo, const std::string& remote,
                           const CredentialProvider& credentials) {
    return fetch_refs(repo, remote, {}, credentials);
}

common::Result<void> fetch_refs(const Repository& repo, const std::string& remote,
                                const std::vector<std::string>& refspecs,
                                const CredentialProvider& credentials) {
    auto handle = lookup(repo, remote);
    if (!handle) return std::unexpected(handle.error());
    const char* url = git_remote_url(handle->get());
    std::shared_lock<std::shared_mutex> trusted;
    if (url && is_https(url)) {
        auto lock = detail::use_certificates(repo.handle());
        if (!lock)
            return std::unexpected(lock.error().with_context("fetching remote '" + remote + "'"));
        trusted = std::move(*lock);
    }
    git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
    options.prune = refspecs.empty() ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE;
    CredentialState state{&credentials, 0, ""};
    options.callbacks.credentials = give_credentials;
    options.callbacks.payload = &state;
    std::vector<char*> specs;
    for (const auto& r : refspecs) specs.push_back(const_cast<char*>(r.c_str()));
    git_strarray given{specs.data(), specs.size()};
    if (git_remote_fetch(handle->get(), refspecs.empty() ? nullptr : &given, &options,
                         "slipway: fetch") != 0) {
        if (!state.error.empty())
            return common::fail(ErrorCode::external,
                                "fetching remote '" + remote + "': " + state.error);
        return fetch_failure(remote);
    }
    return {};
}

common::Result<void> checkout_to(const Repository& repo, const std::string& commit,
                                 const std::filesystem::path& dir) {
    auto tree = detail::commit_tree(repo.handle(), commit);
    if (!tree) return std::unexpected(tree.error());
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return common::fail(ErrorCode::external, "creating " + dir.string() + ": " + ec.message());
    const std::string target = dir.string();
    git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
    options.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
    options.target_directory = target.c_str();
    if (git_checkout_tree(repo.handle(), reinterpret_cast<git_object*>(tree->get()), &options) != 0)
        return detail::git_failure("checking out " + commit + " into " + target);
    return {};
}

common::Result<std::vector<CommitInfo>> commits_between(const Repository& repo,
                                                        const std::string& from,
                                                        const std::string& to, std::size_t limit,
                                                        bool& truncated) {
    truncated = false;
    auto to_id = oid_of(to);
    if (!to_id) return std::unexpected(to_id.error());
    git_revwalk* raw = nullptr;
    if (git_revwalk_new(&raw, repo.handle()) != 0) return detail::git_failure("walking history");
    RevwalkHandle walk(raw);
    git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    if (git_revwalk_push(walk.get(), &*to_id) != 0)
        return detail::git_failure("walking history from " + to);
    if (!from.empty()) {
        auto from_id = oid_of(from);
        if (!from_id) return std::unexpected(from_id.error());
        if (git_revwalk_hide(walk.get(), &*from_id) != 0)
            return detail::git_failure("walking history up to " + from);
    }
    std::vector<CommitInfo> out;
    git_oid id;
    while (git_revwalk_next(&id, walk.get()) == 0) {
        if (out.size() == limit) {
            truncated = true;
            break;
        }
        git_commit* commit_raw = nullptr;
        if (git_commit_lookup(&commit_raw, repo.handle(), &id) != 0)
            return detail::git_failure("reading commit " + detail::to_hex(id));
        detail::CommitHandle commit(commit_raw);
        const git_signature* author = git_commit_author(commit.get());
        const char* summary = git_commit_summary(commit.get());
        out.push_back({detail::to_hex(id), summary ? summary : "", author ? author->name : "",
                       static_cast<std::int64_t>(git_commit_time(commit.get()))});
    }
    return out;
}

}  // namespace diff
