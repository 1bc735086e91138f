// Names for `slipway init`: component names, the normalised stems parameters are matched
// by, stack names, and the environments the branches call for. The rules are in
// discover.hpp.
#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "adopt/discover.hpp"
#include "adopt/paths.hpp"

namespace adopt {
namespace {

constexpr std::array<std::string_view, 5> k_image_suffixes = {"repositoryuri", "imageuri",
                                                              "imageurl", "image", "uri"};
constexpr std::array<std::string_view, 7> k_role_words = {"lambda", "function",  "service", "task",
                                                          "job",    "container", "app"};

std::string alnum_lower(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    }
    return out;
}

bool is_name_char(unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
}

}  // namespace

std::string sanitize_name(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (out.empty() && !std::isalnum(c)) continue;
        out += is_name_char(c) && c < 128 ? static_cast<char>(c) : '-';
    }
    if (out.size() > 128) out.resize(128);
    return out.empty() ? "component" : out;
}

std::string parameter_stem(std::string_view name) {
    std::string s = alnum_lower(name);
    for (auto suffix : k_image_suffixes) {
        if (s.size() > suffix.size() && s.ends_with(suffix)) {
            s.resize(s.size() - suffix.size());
            break;
        }
    }
    return s;
}

bool stems_match(const std::string& parameter, const std::string& key) {
    if (parameter.empty() || key.empty()) return false;
    if (parameter == key) return true;
    for (auto word : k_role_words) {
        if (parameter == key + std::string(word) || key == parameter + std::string(word))
            return true;
    }
    return false;
}

std::string stack_name(std::string_view project, std::string_view env) {
    std::string out;
    for (unsigned char c : std::string(project) + "-" + std::string(env)) {
        if (out.empty() && !std::isalpha(c)) continue;
        const char next = std::isalnum(c) && c < 128 ? static_cast<char>(c) : '-';
        if (next == '-' && (out.empty() || out.back() == '-')) continue;
        out += next;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    if (out.size() > 128) out.resize(128);
    return out.empty() ? "app-" + std::string(env) : out;
}

std::string stack_name(std::string_view project, std::string_view key, std::string_view env) {
    if (key.empty()) return stack_name(project, env);
    std::string out = stack_name(std::string(project) + "-" + std::string(key), env);
    // "-<env>" stays: the project and key give way (stack_name cut the end).
    const std::string tail = "-" + stack_name("x", env).substr(2);
    if (!out.ends_with(tail)) {
        std::string head = stack_name(std::string(project) + "-" + std::string(key), "x");
        head.resize(head.size() - 2);
        head.resize(std::min(head.size(), std::size_t{128} - tail.size()));
        while (!head.empty() && head.back() == '-') head.pop_back();
        out = head + tail;
    }
    return out;
}

std::string template_key(const std::string& path) {
    static const std::set<std::string> k_generic = {
        "template", "cloudformation", "cfn", "stack", "sam", "main"};
    const std::string file = base_name(path);
    const std::string stem = file.substr(0, file.find('.'));
    const std::string folder = parent_folder(path);
    std::string key = k_generic.contains(alnum_lower(stem)) ? base_name(folder) : stem;
    // Letters, digits and single dashes: it goes into stack and component names.
    std::string out;
    for (unsigned char c : key) {
        const char next = std::isalnum(c) && c < 128 ? static_cast<char>(c) : '-';
        if (next == '-' && (out.empty() || out.back() == '-')) continue;
        out += next;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

std::vector<FoundEnvironment> environments_for(const std::vector<std::string>& refs,
                                               const std::string& project) {
    auto has = [&](std::string_view branch) {
        return std::any_of(refs.begin(), refs.end(), [&](const std::string& r) {
            return r == branch || r == "origin/" + std::string(branch);
        });
    };
    const std::pair<std::string_view, std::vector<std::string_view>> wanted[] = {
        {"dev", {"dev", "develop", "development"}},
        {"test", {"test"}},
        {"staging", {"staging"}},
        {"prod", {"prod", "production", "main", "master"}},
    };
    std::vector<FoundEnvironment> out;
    for (const auto& [env, branches] : wanted) {
        for (auto branch : branches) {
            if (!has(branch)) continue;
            out.push_back(
                {std::string(env), std::string(branch), stack_name(project, env), {}, {}, {}});
            break;
        }
    }
    return out;
}

}  // namespace adopt

namespace adopt {
namespace {

// "owner/repo" from a path ("/owner/repo.git/" -> "owner/repo").
std::string repository_path(std::string path) {
    while (path.starts_with("/")) path.erase(0, 1);
    while (path.ends_with("/")) path.pop_back();
    if (path.ends_with(".git")) path.resize(path.size() - 4);
    return path;
}

}  // namespace

std::string commit_url_for(const std::string& origin_url) {
    std::string url = origin_url;
    // codecommit::REGION://[profile@]NAME (git-remote-codecommit)
    if (url.starts_with("codecommit::")) {
        const auto sep = url.find("://");
        if (sep == std::string::npos) return "";
        const std::string region = url.substr(12, sep - 12);
        std::string name = url.substr(sep + 3);
        if (const auto at = name.find('@'); at != std::string::npos) name = name.substr(at + 1);
        return "https://" + region + ".console.aws.amazon.com/codesuite/codecommit/repositories/" +
               name + "/commit/{commit}?region=" + region;
    }
    // scp-like "git@host:owner/repo.git" -> host + path
    std::string host, path;
    if (const auto scheme = url.find("://"); scheme != std::string::npos) {
        std::string rest = url.substr(scheme + 3);
        if (const auto at = rest.find('@'); at != std::string::npos && at < rest.find('/'))
            rest = rest.substr(at + 1);
        const auto slash = rest.find('/');
        if (slash == std::string::npos) return "";
        host = rest.substr(0, slash);
        path = rest.substr(slash);
        if (const auto colon = host.find(':'); colon != std::string::npos) host.resize(colon);
    } else if (const auto colon = url.find(':'); colon != std::string::npos) {
        host = url.substr(0, colon);
        if (const auto at = host.find('@'); at != std::string::npos) host = host.substr(at + 1);
        path = url.substr(colon + 1);
    } else {
        return "";
    }
    path = repository_path(path);
    if (path.empty()) return "";
    if (host == "github.com" || host == "ssh.github.com")
        return "https://github.com/" + path + "/commit/{commit}";
    if (host == "gitlab.com") return "https://gitlab.com/" + path + "/-/commit/{commit}";
    if (host == "bitbucket.org") return "https://bitbucket.org/" + path + "/commits/{commit}";
    // https://git-codecommit.REGION.amazonaws.com/v1/repos/NAME (also ssh://)
    if (host.starts_with("git-codecommit.") && path.starts_with("v1/repos/")) {
        const std::string region = host.substr(15, host.find('.', 15) - 15);
        return "https://" + region + ".console.aws.amazon.com/codesuite/codecommit/repositories/" +
               path.substr(9) + "/commit/{commit}?region=" + region;
    }
    return "";
}

std::map<std::string, std::string> stage_values(const std::vector<TemplateParameter>& unmatched,
                                                const FoundEnvironment& env) {
    static const std::set<std::string> k_stage_names = {"stage",     "environment",     "env",
                                                        "stagename", "environmentname", "envname"};
    std::map<std::string, std::string> out;
    for (const auto& p : unmatched) {
        if (p.has_default) continue;
        for (const auto& value : p.allowed_values) {
            if (alnum_lower(value) == alnum_lower(env.name) ||
                alnum_lower(value) == alnum_lower(env.branch)) {
                out[p.name] = value;
                break;
            }
        }
        if (!out.contains(p.name) && p.allowed_values.empty() &&
            k_stage_names.contains(alnum_lower(p.name)))
            out[p.name] = env.name;
    }
    return out;
}

}  // namespace adopt
