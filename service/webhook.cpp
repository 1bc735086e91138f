// See webhook.hpp.
#include "service/webhook.hpp"

#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "aws/crypto.hpp"

namespace service {
namespace {

using common::ErrorCode;

std::string string_at(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : "";
}

bool is_commit_id(const std::string& id) {
    return (id.size() == 40 || id.size() == 64) &&
           id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool is_zero_id(const std::string& id) {
    return !id.empty() && id.find_first_not_of('0') == std::string::npos;
}

std::string branch_of(const std::string& ref) {
    constexpr std::string_view heads = "refs/heads/";
    return ref.starts_with(heads) ? ref.substr(heads.size()) : "";
}

}  // namespace

common::Result<Secrets> load_secrets(const std::string& file, const std::string& env_value) {
    std::string text = env_value;
    if (!file.empty()) {
        std::ifstream in(file, std::ios::binary);
        if (!in) return common::fail(ErrorCode::input, "cannot read webhook secret file " + file);
        std::stringstream s;
        s << in.rdbuf();
        text = s.str();
    }
    Secrets out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
        if (!line.empty()) out.values.push_back(line);
    }
    if (out.values.empty())
        return common::fail(ErrorCode::input,
                            file.empty() ? "SLIPWAY_WEBHOOK_SECRET is empty"
                                         : "webhook secret file " + file + " holds no secret");
    return out;
}

std::string sign(std::string_view secret, std::string_view body) {
    return "sha256=" + aws::to_hex(aws::hmac_sha256(secret, body));
}

bool signature_valid(const Secrets& secrets, std::string_view header, std::string_view body) {
    if (!header.starts_with("sha256=") || header.size() != 7 + 64) return false;
    bool any = false;
    for (const auto& secret : secrets.values)
        any |= aws::equal_in_constant_time(sign(secret, body), header);
    return any;
}

SignatureCheck::SignatureCheck(const Secrets& secrets) {
    for (const auto& s : secrets.values) m_macs.emplace_back(s);
}

void SignatureCheck::update(std::string_view part) {
    for (auto& mac : m_macs) mac.update(part);
}

bool SignatureCheck::valid(std::string_view header) {
    if (!header.starts_with("sha256=") || header.size() != 7 + 64) return false;
    bool any = false;
    for (auto& mac : m_macs)
        any |= aws::equal_in_constant_time("sha256=" + aws::to_hex(mac.final()), header);
    return any;
}

common::Result<Push> parse_github_push(std::string_view body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject())
        return common::fail(ErrorCode::input, "push event: the body is not a JSON object");
    Push p;
    p.ref = string_at(d, "ref");
    p.head = string_at(d, "after");
    if (p.ref.empty() || p.head.empty())
        return common::fail(ErrorCode::input, "push event: no 'ref' or 'after'");
    if (!is_commit_id(p.head))
        return common::fail(ErrorCode::input, "push event: 'after' is not a commit id");
    p.branch = branch_of(p.ref);
    if (auto repo = d.FindMember("repository"); repo != d.MemberEnd() && repo->value.IsObject())
        p.repository = string_at(repo->value, "full_name");
    auto deleted = d.FindMember("deleted");
    p.deleted = (deleted != d.MemberEnd() && deleted->value.IsBool() && deleted->value.GetBool()) ||
                is_zero_id(p.head);
    if (auto pusher = d.FindMember("pusher"); pusher != d.MemberEnd() && pusher->value.IsObject())
        p.actor = string_at(pusher->value, "name");
    if (auto sender = d.FindMember("sender");
        p.actor.empty() && sender != d.MemberEnd() && sender->value.IsObject())
        p.actor = string_at(sender->value, "login");
    if (!p.actor.empty()) p.actor = "github:" + p.actor;
    return p;
}

common::Result<PullRequestEvent> parse_github_pull_request(std::string_view body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject())
        return common::fail(ErrorCode::input, "pull_request event: the body is not a JSON object");
    auto pr = d.FindMember("pull_request");
    if (pr == d.MemberEnd() || !pr->value.IsObject())
        return common::fail(ErrorCode::input, "pull_request event: no 'pull_request'");
    const auto& v = pr->value;
    auto object = [](const rapidjson::Value& o, const char* key) -> const rapidjson::Value* {
        auto it = o.FindMember(key);
        return it != o.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
    };
    auto flag = [](const rapidjson::Value& o, const char* key) {
        auto it = o.FindMember(key);
        return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
    };
    PullRequestEvent e;
    e.action = string_at(d, "action");
    if (auto n = v.FindMember("number"); n != v.MemberEnd() && n->value.IsInt64())
        e.number = n->value.GetInt64();
    e.draft = flag(v, "draft");
    e.merged = flag(v, "merged");
    e.state = string_at(v, "state");
    e.title = string_at(v, "title");
    e.url = string_at(v, "html_url");
    if (const auto* user = object(v, "user")) e.author = string_at(*user, "login");
    if (const auto* head = object(v, "head")) {
        e.head_sha = string_at(*head, "sha");
        e.head_ref = string_at(*head, "ref");
        if (const auto* repo = object(*head, "repo"))
            e.head_repository = string_at(*repo, "full_name");
    }
    if (const auto* base = object(v, "base")) e.base_ref = string_at(*base, "ref");
    if (const auto* repo = object(d, "repository")) e.repository = string_at(*repo, "full_name");
    if (const auto* sender = object(d, "sender")) e.sender = string_at(*sender, "login");
    if (e.number <= 0 || e.head_sha.empty() || e.base_ref.empty())
        return common::fail(ErrorCode::input,
                            "pull_request event: no number, head commit or base branch");
    return e;
}

std::string pull_ignore_reason(const PullRequestEvent& e) {
    const std::string pr = "pull request #" + std::to_string(e.number);
    if (e.action == "closed") return pr + " was " + (e.merged ? "merged" : "closed");
    if (e.action != "opened" && e.action != "synchronize" && e.action != "reopened" &&
        e.action != "ready_for_review")
        return "the action '" + e.action + "' of " + pr + " starts no plan";
    if (e.state == "closed") return pr + " is closed";
    if (e.draft) return pr + " is a draft";
    return "";
}

common::Result<QueueEvent> parse_codecommit_event(std::string_view body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject())
        return common::fail(ErrorCode::input, "queue message: the body is not a JSON object");
    QueueEvent e;
    e.id = string_at(d, "id");
    e.detail_type = string_at(d, "detail-type");
    if (e.id.empty()) return common::fail(ErrorCode::input, "queue message: the event has no id");
    auto detail = d.FindMember("detail");
    if (e.detail_type != "CodeCommit Repository State Change" || detail == d.MemberEnd() ||
        !detail->value.IsObject())
        return e;
    const auto& v = detail->value;
    Push p;
    p.ref = string_at(v, "referenceFullName");
    if (p.ref.empty() && string_at(v, "referenceType") == "branch")
        p.ref = "refs/heads/" + string_at(v, "referenceName");
    p.branch = branch_of(p.ref);
    p.head = string_at(v, "commitId");
    p.deleted = string_at(v, "event") == "referenceDeleted" || p.head.empty();
    if (!p.deleted && !is_commit_id(p.head))
        return common::fail(ErrorCode::input, "queue message: 'commitId' is not a commit id");
    p.repository = string_at(v, "repositoryName");
    if (auto res = d.FindMember("resources"); res != d.MemberEnd() && res->value.IsArray() &&
                                              !res->value.Empty() && res->value[0].IsString())
        p.repository_arn = res->value[0].GetString();
    const std::string caller = string_at(v, "callerUserArn");
    p.actor = caller.empty() ? "" : "codecommit:" + caller.substr(caller.rfind('/') + 1);
    e.push = p;
    return e;
}

ThisRepository repository_of_url(std::string_view url) {
    std::string u(url);
    while (!u.empty() && u.back() == '/') u.pop_back();
    if (u.ends_with(".git")) u.resize(u.size() - 4);
    // CodeCommit's own scheme: codecommit::REGION://[PROFILE@]NAME or codecommit://[PROFILE@]NAME.
    if (u.starts_with("codecommit:")) {
        const auto at = u.find("://");
        if (at == std::string::npos) return {};
        std::string name = u.substr(at + 3);
        if (const auto profile = name.find('@'); profile != std::string::npos)
            name = name.substr(profile + 1);
        return {"", name};
    }
    // The host and the path: scheme://[user@]host[:port]/path, or scp-like user@host:path.
    std::string host, path;
    if (const auto scheme = u.find("://"); scheme != std::string::npos) {
        const std::string rest = u.substr(scheme + 3);
        const auto slash = rest.find('/');
        if (slash == std::string::npos) return {};
        host = rest.substr(0, slash);
        path = rest.substr(slash + 1);
    } else if (const auto colon = u.find(':'); colon != std::string::npos && u.find('/') > colon) {
        host = u.substr(0, colon);
        path = u.substr(colon + 1);
    } else {
        return {};  // a local path
    }
    if (const auto user = host.rfind('@'); user != std::string::npos) host = host.substr(user + 1);
    if (const auto port = host.find(':'); port != std::string::npos) host.resize(port);
    host = lower(host);
    if (host == "github.com" || host == "www.github.com" || host == "ssh.github.com") {
        const auto slash = path.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == path.size() ||
            path.find('/', slash + 1) != std::string::npos)
            return {};
        return {path, ""};
    }
    if (host.starts_with("git-codecommit.") && host.ends_with(".amazonaws.com") &&
        path.starts_with("v1/repos/") && path.size() > 9)
        return {"", path.substr(9)};
    return {};
}

std::string foreign_reason(const ThisRepository& mine, const std::string& source,
                           const Push& push) {
    if (source == "github" && !mine.github.empty()) {
        if (push.repository.empty())
            return "the event names no repository (this service takes " + mine.github + "'s)";
        if (lower(push.repository) != lower(mine.github))
            return "repository " + push.repository + " is not " + mine.github;
    }
    if (source == "sqs" && !mine.codecommit.empty()) {
        const bool arn = mine.codecommit.starts_with("arn:");
        const std::string& theirs = arn ? push.repository_arn : push.repository;
        if (theirs != mine.codecommit)
            return "repository " + (theirs.empty() ? std::string("(none)") : theirs) + " is not " +
                   mine.codecommit;
    }
    return "";
}

std::string ignore_reason(const Push& push) {
    if (push.deleted) return "branch " + push.ref + " was deleted";
    if (push.branch.empty()) return push.ref + " is not a branch";
    return "";
}

}  // namespace service
