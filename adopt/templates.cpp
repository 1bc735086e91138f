// Choosing the templates `slipway init` adopts (rules in discover.hpp). Every candidate is
// scanned; those that do not deploy on their own are set aside with the reason: fixtures and
// examples, CI/CD pipelines, nested stacks, and copies of another template. Two or more left
// make one stack each; otherwise the one-stack choice is today's: the root's template.yaml,
// else the one building or packaging the most local code, then by depth and path.
#include "adopt/templates.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "adopt/paths.hpp"

namespace adopt {
namespace {

// Candidates: .yml/.yaml/.json/.template files at the root or up to two folders down
// (apps/<name>/template.yaml: one SAM app per folder) that read like templates; the root's
// template.{yaml,yml,json} first, then by depth and path.
std::vector<std::string> template_candidates(const std::vector<std::string>& files,
                                             const ReadFile& read) {
    std::vector<std::string> out;
    for (const auto& f : files) {
        const auto depth = std::count(f.begin(), f.end(), '/');
        if (depth > 2 || skipped_folder(parent_folder(f)) || f == "slipway.yml") continue;
        if (!(f.ends_with(".yml") || f.ends_with(".yaml") || f.ends_with(".json") ||
              f.ends_with(".template")))
            continue;
        if (auto text = read(f); text && looks_like_template(*text)) out.push_back(f);
    }
    auto rank = [](const std::string& f) {
        const bool preferred = f == "template.yaml" || f == "template.yml" || f == "template.json";
        return std::make_tuple(!preferred, std::count(f.begin(), f.end(), '/'), f);
    };
    std::sort(out.begin(), out.end(), [&](auto& a, auto& b) { return rank(a) < rank(b); });
    return out;
}

std::size_t local_code(const TemplateFacts& t) {
    return t.code_refs.size() + t.docker_builds.size();
}

// A CI/CD pipeline's template: a CodePipeline, a CodeBuild project or an OIDC provider (the
// deploy role of GitHub Actions), and no local code.
bool pipeline_template(const TemplateFacts& t) {
    if (local_code(t) > 0) return false;
    return std::any_of(t.resources.begin(), t.resources.end(), [](const auto& r) {
        return r.second == "AWS::CodePipeline::Pipeline" || r.second == "AWS::CodeBuild::Project" ||
               r.second == "AWS::IAM::OIDCProvider";
    });
}

// Why each of `scanned` does not deploy on its own ("" when it does). `scanned` is in
// candidate order, which breaks ties between copies.
std::vector<std::string> set_aside(const std::vector<TemplateFacts>& scanned,
                                   const std::vector<std::string>& files) {
    std::vector<std::string> why(scanned.size());
    for (std::size_t i = 0; i < scanned.size(); ++i) {
        const auto& t = scanned[i];
        if (non_deployable(parent_folder(t.path), false)) {
            why[i] = "in a folder of tests, examples or fixtures";
        } else if (pipeline_template(t)) {
            why[i] =
                "a CI/CD pipeline's template (CodePipeline, CodeBuild or an OIDC provider, and "
                "no code of its own): it deploys the pipeline, not the application";
        }
        for (const auto& parent : scanned) {
            const auto& nested = parent.nested_templates;
            if (why[i].empty() && std::binary_search(nested.begin(), nested.end(), t.path))
                why[i] = "a nested stack of " + parent.path + ", deployed with it";
        }
    }
    // Copies: the same resources as another (a `sam package` output, a stale copy) and less
    // of its code in the repository, or none at all and the same parameters and outputs (the
    // first stays). Two applications whose resources share names, each with its own code,
    // are no copies.
    auto same_names = [](const TemplateFacts& a, const TemplateFacts& b) {
        if (a.outputs != b.outputs || a.parameters.size() != b.parameters.size()) return false;
        for (std::size_t k = 0; k < a.parameters.size(); ++k)
            if (a.parameters[k].name != b.parameters[k].name) return false;
        return true;
    };
    for (std::size_t i = 0; i < scanned.size(); ++i) {
        for (std::size_t j = 0; j < scanned.size(); ++j) {
            if (i == j || !why[i].empty() || !why[j].empty() ||
                scanned[i].resources != scanned[j].resources)
                continue;
            const auto here_i = local_code_here(scanned[i], files);
            const auto here_j = local_code_here(scanned[j], files);
            if (here_j > here_i ||
                (here_i == 0 && here_j == 0 && j < i && same_names(scanned[i], scanned[j])))
                why[i] = "the same resources as " + scanned[j].path +
                         " (a copy, or what `sam package` wrote)";
        }
    }
    return why;
}

// The one-stack choice among `pool` (candidate order): the root's template.yaml, else the
// one that builds or packages the most local code (the application's, not a CI or auth
// template beside it), then the first.
std::size_t best_of(const std::vector<const TemplateFacts*>& pool) {
    const auto& first = pool.front()->path;
    if (first.find('/') == std::string::npos && first.starts_with("template.")) return 0;
    std::size_t best = 0;
    for (std::size_t i = 1; i < pool.size(); ++i)
        if (local_code(*pool[i]) > local_code(*pool[best])) best = i;
    return best;
}

common::Result<TemplateChoice> given_template(const std::string& path, const ReadFile& read) {
    auto text = read(path);
    if (!text)
        return common::fail(common::ErrorCode::input,
                            "reading the template " + path + ": cannot read it");
    auto facts = scan_template(*text, path);
    if (!facts) return std::unexpected(facts.error());
    TemplateChoice out;
    out.templates.push_back(std::move(*facts));
    return out;
}

}  // namespace

std::size_t local_code_here(const TemplateFacts& t, const std::vector<std::string>& files) {
    std::size_t n = 0;
    for (const auto& b : t.docker_builds) n += has_folder(files, b.context);
    for (const auto& r : t.code_refs) n += has_folder(files, r.path) || has_file(files, r.path);
    return n;
}

common::Result<TemplateChoice> choose_templates(const DiscoverInput& input, const ReadFile& read,
                                                std::vector<std::string>& notes) {
    if (!input.template_path.empty()) return given_template(input.template_path, read);
    std::vector<TemplateFacts> scanned;
    for (const auto& path : template_candidates(input.files, read)) {
        auto facts = scan_template(read(path).value_or(""), path);
        if (facts) {
            scanned.push_back(std::move(*facts));
        } else {
            notes.push_back(path +
                            " looks like a template but does not parse: " + facts.error().message);
        }
    }
    TemplateChoice out;
    if (scanned.empty()) return out;
    const auto why = set_aside(scanned, input.files);
    std::vector<const TemplateFacts*> deployable;
    for (std::size_t i = 0; i < scanned.size(); ++i)
        if (why[i].empty()) deployable.push_back(&scanned[i]);
    std::vector<bool> adopted(scanned.size(), false);
    if (deployable.size() >= 2) {
        // One stack each, by path; the primary is the one-stack choice among them.
        const std::string primary = deployable[best_of(deployable)]->path;
        for (const auto* t : deployable)
            adopted[static_cast<std::size_t>(t - scanned.data())] = true;
        std::sort(deployable.begin(), deployable.end(),
                  [](const auto* a, const auto* b) { return a->path < b->path; });
        for (const auto* t : deployable) {
            if (t->path == primary) out.primary = out.templates.size();
            out.templates.push_back(*t);
        }
    } else {
        std::vector<const TemplateFacts*> pool = deployable;
        if (pool.empty())
            for (const auto& t : scanned) pool.push_back(&t);
        const auto* chosen = pool[best_of(pool)];
        adopted[static_cast<std::size_t>(chosen - scanned.data())] = true;
        out.templates.push_back(*chosen);
    }
    for (std::size_t i = 0; i < scanned.size(); ++i) {
        if (adopted[i]) continue;
        out.others.push_back(scanned[i].path);
        if (!why[i].empty()) notes.push_back(scanned[i].path + ": " + why[i] + "; not a stack");
    }
    return out;
}

}  // namespace adopt
