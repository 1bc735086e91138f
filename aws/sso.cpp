#include "aws/sso.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "aws/crypto.hpp"
#include "aws/sigv4.hpp"

namespace aws {
namespace {

using common::ErrorCode;
using common::fail;

// The settings one SSO profile resolves to.
struct SsoSettings {
    std::string start_url;
    std::string region;
    std::string account_id;
    std::string role_name;
    std::string cache_key;  // session name, or the start URL (legacy)
};

std::string get(const Profile& p, const std::string& key) {
    auto it = p.find(key);
    return it == p.end() ? "" : it->second;
}

common::Result<SsoSettings> settings_of(const std::map<std::string, Profile>& profiles,
                                        const std::string& name) {
    const Profile& p = profiles.at(name);
    const std::string where = "profile " + name;
    SsoSettings s{get(p, "sso_start_url"), get(p, "sso_region"), get(p, "sso_account_id"),
                  get(p, "sso_role_name"), get(p, "sso_start_url")};
    if (const std::string session = get(p, "sso_session"); !session.empty()) {
        auto it = profiles.find("sso-session " + session);
        if (it == profiles.end())
            return fail(ErrorCode::input, where + ": sso_session '" + session +
                                              "' has no [sso-session " + session +
                                              "] section in the config file");
        for (const char* key : {"sso_start_url", "sso_region"}) {
            if (!get(p, key).empty() && get(p, key) != get(it->second, key))
                return fail(ErrorCode::input,
                            where + ": " + key + " differs from sso-session '" + session + "''s");
        }
        s.start_url = get(it->second, "sso_start_url");
        s.region = get(it->second, "sso_region");
        s.cache_key = session;
    }
    std::string missing;
    const std::pair<const char*, const std::string*> required[] = {
        {"sso_start_url", &s.start_url},
        {"sso_region", &s.region},
        {"sso_account_id", &s.account_id},
        {"sso_role_name", &s.role_name}};
    for (auto [key, value] : required) {
        if (value->empty()) missing += (missing.empty() ? "" : ", ") + std::string(key);
    }
    if (!missing.empty())
        return fail(ErrorCode::input, where + ": SSO settings missing: " + missing);
    return s;
}

std::string login_hint(const std::string& name) {
    return "run 'aws sso login --profile " + name + "'";
}

// The cached access token, unless missing or expired.
common::Result<std::string> cached_token(const ChainOptions& o, const std::string& name,
                                         const std::string& key) {
    const std::string where = "profile " + name + ": ";
    const std::string file = sso_cache_file(o.env, key);
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return fail(ErrorCode::input,
                    where + "no SSO token cached in " + file + "; " + login_hint(name));
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document doc;
    doc.Parse(text.str().c_str());
    auto field = [&](const char* k) -> std::string {
        return doc.IsObject() && doc.HasMember(k) && doc[k].IsString() ? doc[k].GetString() : "";
    };
    const std::string token = field("accessToken");
    const auto expires = parse_iso8601(field("expiresAt"));
    if (token.empty() || !expires)
        return fail(ErrorCode::input,
                    where + "the SSO token cache " + file + " is unreadable; " + login_hint(name));
    const auto now = o.now ? o.now() : std::chrono::system_clock::now();
    if (now >= *expires)
        return fail(ErrorCode::input, where + "the SSO session has expired; " + login_hint(name));
    return token;
}

common::Result<TimedCredentials> parse_role_credentials(const std::string& body,
                                                        const std::string& source) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("roleCredentials") ||
        !doc["roleCredentials"].IsObject())
        return fail(ErrorCode::external, source + ": GetRoleCredentials answered no credentials");
    const auto& c = doc["roleCredentials"];
    auto text = [&](const char* k) -> std::string {
        return c.HasMember(k) && c[k].IsString() ? c[k].GetString() : "";
    };
    TimedCredentials t{
        {text("accessKeyId"), text("secretAccessKey"), text("sessionToken")}, std::nullopt, source};
    if (c.HasMember("expiration") && c["expiration"].IsNumber())
        t.expires = std::chrono::system_clock::time_point(
            std::chrono::milliseconds(c["expiration"].GetInt64()));
    if (t.credentials.access_key_id.empty() || t.credentials.secret_access_key.empty())
        return fail(ErrorCode::external, source + ": GetRoleCredentials answered no credentials");
    return t;
}

std::string error_type(const net::HttpResponse& r) {
    std::string type = r.header("x-amzn-ErrorType");
    return type.substr(0, type.find(':'));
}

// GetRoleCredentials, with up to three attempts for dropped connections and 5xx/429.
common::Result<TimedCredentials> get_role_credentials(const ChainOptions& o,
                                                      const std::string& name, const SsoSettings& s,
                                                      const std::string& token) {
    const std::string source =
        "profile " + name + " (SSO " + s.account_id + "/" + s.role_name + ")";
    std::string url = resolve_endpoint(sso_portal_service(), s.region, o.env);
    while (url.ends_with("/")) url.pop_back();
    url += "/federation/credentials?account_id=" + uri_encode(s.account_id, false) +
           "&role_name=" + uri_encode(s.role_name, false);
    net::HttpClient http(o.http);
    const net::HttpRequest request{
        "GET", url, {{"x-amz-sso_bearer_token", token}}, "", std::chrono::seconds(10)};
    for (int attempt = 1;; ++attempt) {
        auto r = http.send(request);
        spdlog::debug("aws: GET {} -> {} (attempt {})", url,
                      r ? std::to_string(r->status) : r.error().message, attempt);
        const bool retry = !r || r->status >= 500 || r->status == 429;
        if (retry && attempt < 3) continue;
        if (!r)
            return fail(ErrorCode::external,
                        source + ": cannot reach " + url + ": " + r.error().message);
        if (r->status == 200) return parse_role_credentials(r->body, source);
        if (r->status == 401)
            return fail(ErrorCode::input,
                        "profile " + name + ": the SSO portal refused the cached token (" +
                            (error_type(*r).empty() ? "HTTP 401" : error_type(*r)) + "); " +
                            login_hint(name));
        if (r->status == 403)
            return fail(ErrorCode::external, source + ": no access to role " + s.role_name +
                                                 " in account " + s.account_id +
                                                 " (ForbiddenException)");
        return fail(
            ErrorCode::external,
            source + ": GetRoleCredentials: " +
                (error_type(*r).empty() ? "HTTP " + std::to_string(r->status) : error_type(*r)));
    }
}

}  // namespace

bool is_sso_profile(const Profile& profile) {
    return profile.contains("sso_session") || profile.contains("sso_start_url") ||
           profile.contains("sso_account_id");
}

std::string sso_cache_file(const Env& env, const std::string& key) {
    return env("HOME").value_or("") + "/.aws/sso/cache/" + sha1_hex(key) + ".json";
}

common::Result<TimedCredentials> sso_credentials(const std::map<std::string, Profile>& profiles,
                                                 const std::string& name,
                                                 const ChainOptions& options) {
    auto settings = settings_of(profiles, name);
    if (!settings) return std::unexpected(settings.error());
    auto token = cached_token(options, name, settings->cache_key);
    if (!token) return std::unexpected(token.error());
    return get_role_credentials(options, name, *settings, *token);
}

}  // namespace aws
