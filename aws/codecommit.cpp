// See codecommit.hpp.
#include "aws/codecommit.hpp"

#include <cctype>
#include <ctime>

#include "aws/crypto.hpp"
#include "aws/operation.hpp"

namespace aws {
namespace {

// What a fetch needs of the caller's policy (named here, once, for the policy test).
constexpr Operation k_git_pull{"GitPull", "codecommit:GitPull"};

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// "https://host[:port]/path" -> host (lower case, port kept) and path; false otherwise.
bool split_https(const std::string& url, std::string& host, std::string& path) {
    if (lower(url.substr(0, 8)) != "https://") return false;
    std::string rest = url.substr(8);
    if (const auto at = rest.find('@'); at != std::string::npos && at < rest.find('/'))
        rest = rest.substr(at + 1);  // user info in the URL: not ours to use
    const auto slash = rest.find('/');
    if (slash == std::string::npos || slash == 0) return false;
    host = lower(rest.substr(0, slash));
    path = rest.substr(slash);
    while (path.size() > 1 && path.ends_with("/")) path.pop_back();
    return true;
}

std::string host_of_endpoint(const std::string& endpoint) {
    std::string host, path;
    if (split_https(endpoint + (endpoint.find('/', 8) == std::string::npos ? "/" : ""), host, path))
        return host;
    // git-remote-codecommit takes a bare host name too.
    return lower(endpoint);
}

std::string timestamp(std::chrono::system_clock::time_point now) {
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    return buf;
}

}  // namespace

std::optional<CodeCommitRemote> codecommit_remote(const std::string& url, const Env& env) {
    std::string host, path;
    if (!split_https(url, host, path)) return std::nullopt;
    if (auto endpoint = env("CODE_COMMIT_ENDPOINT"); endpoint && !endpoint->empty()) {
        if (host == host_of_endpoint(*endpoint)) {
            std::string region;
            for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
                if (auto v = env(name); v && !v->empty() && region.empty()) region = *v;
            }
            if (region.empty()) return std::nullopt;
            return CodeCommitRemote{host, path, region};
        }
    }
    // git-codecommit.REGION.amazonaws.com[.cn], git-codecommit-fips.REGION...
    std::string name = host.substr(0, host.find(':'));
    for (const char* prefix : {"git-codecommit.", "git-codecommit-fips."}) {
        if (!name.starts_with(prefix)) continue;
        const std::string rest = name.substr(std::string_view(prefix).size());
        const auto dot = rest.find('.');
        if (dot == std::string::npos) return std::nullopt;
        const std::string domain = rest.substr(dot + 1);
        if (domain != "amazonaws.com" && domain != "amazonaws.com.cn") return std::nullopt;
        if (!path.starts_with("/v1/repos/")) return std::nullopt;
        return CodeCommitRemote{host, path, rest.substr(0, dot)};
    }
    return std::nullopt;
}

GitCredentials codecommit_git_credentials(const CodeCommitRemote& remote,
                                          const Credentials& credentials,
                                          std::chrono::system_clock::time_point now) {
    static_assert(k_git_pull.name == "GitPull");
    const std::string when = timestamp(now);
    const std::string date = when.substr(0, 8);
    const std::string scope = date + "/" + remote.region + "/codecommit/aws4_request";
    const std::string canonical = "GIT\n" + remote.path + "\n\nhost:" + remote.host + "\n\nhost\n";
    const std::string to_sign =
        "AWS4-HMAC-SHA256\n" + when + "\n" + scope + "\n" + sha256_hex(canonical);
    std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
    key = hmac_sha256(key, remote.region);
    key = hmac_sha256(key, "codecommit");
    key = hmac_sha256(key, "aws4_request");
    GitCredentials out;
    out.username = credentials.access_key_id;
    if (!credentials.session_token.empty()) out.username += "%" + credentials.session_token;
    out.password = when + "Z" + to_hex(hmac_sha256(key, to_sign));
    return out;
}

}  // namespace aws
