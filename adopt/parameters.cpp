// Which template parameter receives which component's image (rules in discover.hpp).
#include "adopt/parameters.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "adopt/paths.hpp"

namespace adopt {
namespace {

std::string alnum_lower(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    }
    return out;
}

// The normalised names a component may be known by: its name, folder, folder's last
// segment and its packages' names (an npm scope dropped, a Go module's last segment).
std::set<std::string> keys_of(const FoundComponent& c, const std::vector<Package>& packages) {
    std::set<std::string> keys = {alnum_lower(c.name), alnum_lower(c.folder),
                                  alnum_lower(base_name(c.folder))};
    for (const auto& p : packages) {
        if (p.folder != c.folder || p.name.empty()) continue;
        keys.insert(alnum_lower(base_name(p.name)));
    }
    keys.erase("");
    return keys;
}

bool matches(const std::string& parameter, const std::set<std::string>& keys) {
    const std::string stem = parameter_stem(parameter);
    return std::any_of(keys.begin(), keys.end(),
                       [&](const std::string& k) { return stems_match(stem, k); });
}

// Parameters that may receive an image: referred to by an Image/ImageUri property, or named
// with an image suffix.
std::vector<std::string> candidates(const TemplateFacts& facts) {
    std::vector<std::string> out;
    for (const auto& p : facts.parameters) {
        if (facts.image_parameters.contains(p.name) ||
            parameter_stem(p.name) != alnum_lower(p.name))
            out.push_back(p.name);
    }
    return out;
}

// The best of several matching parameters: one an image property refers to, then by name.
std::string pick(std::vector<std::string> found, const TemplateFacts& facts) {
    std::stable_sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
        return facts.image_parameters.contains(a) > facts.image_parameters.contains(b);
    });
    return found.front();
}

void match_by_name(std::vector<FoundComponent>& comps, const TemplateFacts& facts,
                   const std::vector<Package>& packages, std::set<std::string>& used,
                   std::vector<std::string>& notes) {
    const auto pool = candidates(facts);
    for (auto& c : comps) {
        if (c.kind != components::ComponentKind::image || !c.parameter.empty()) continue;
        const auto keys = keys_of(c, packages);
        std::vector<std::string> found;
        for (const auto& p : pool) {
            if (!used.contains(p) && matches(p, keys)) found.push_back(p);
        }
        if (found.empty()) continue;
        c.parameter = pick(found, facts);
        used.insert(c.parameter);
        c.reasons.push_back("parameter " + c.parameter + ": its name matches");
        if (found.size() > 1)
            notes.push_back("component '" + c.name + "' matches several parameters; took " +
                            c.parameter + " (check it)");
    }
}

}  // namespace

std::vector<std::string> name_matches(const FoundComponent& c, const TemplateFacts& facts,
                                      const std::vector<Package>& packages) {
    const auto keys = keys_of(c, packages);
    std::vector<std::string> out;
    for (const auto& p : candidates(facts))
        if (matches(p, keys)) out.push_back(p);
    return out;
}

std::string guessed_parameter(const std::string& component) {
    std::string out;
    bool upper = true;
    for (unsigned char c : component) {
        if (!std::isalnum(c)) {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(c)) : static_cast<char>(c);
        upper = false;
    }
    return out + "ImageUri";
}

std::vector<TemplateParameter> assign_parameters(std::vector<FoundComponent>& comps,
                                                 const std::optional<TemplateFacts>& facts,
                                                 const std::vector<Package>& packages,
                                                 std::vector<std::string>& notes,
                                                 std::vector<std::string>& warnings) {
    std::set<std::string> used;
    if (facts) {
        std::map<std::string, const DockerBuild*> sam;
        for (const auto& b : facts->docker_builds) sam[b.context] = &b;
        for (auto& c : comps) {
            auto it = sam.find(c.folder);
            if (c.kind != components::ComponentKind::image || it == sam.end() ||
                it->second->parameter.empty() || used.contains(it->second->parameter))
                continue;
            c.parameter = it->second->parameter;
            used.insert(c.parameter);
            c.reasons.push_back("parameter " + c.parameter + ": " + it->second->resource +
                                "'s ImageUri");
        }
        match_by_name(comps, *facts, packages, used, notes);
    }
    std::set<std::string> names;
    if (facts) {
        for (const auto& p : facts->parameters) names.insert(p.name);
    }
    std::map<std::string, const DockerBuild*> unreferenced;  // SAM functions without !Ref
    if (facts) {
        for (const auto& b : facts->docker_builds)
            if (b.parameter.empty()) unreferenced[b.context] = &b;
    }
    for (auto& c : comps) {
        if (c.kind != components::ComponentKind::image || !c.parameter.empty()) continue;
        const auto sam = unreferenced.find(c.folder);
        const std::string stem = sam != unreferenced.end()
                                     ? guessed_parameter(sam->second->resource)
                                     : guessed_parameter(c.name);
        std::string guess = stem;
        for (int n = 2; names.contains(guess); ++n)
            guess = stem.substr(0, stem.size() - 8) + std::to_string(n) + "ImageUri";
        names.insert(guess);
        c.parameter = guess;
        c.parameter_guessed = true;
        if (sam == unreferenced.end()) {
            c.reasons.push_back("no template parameter matched: " + guess +
                                " is a guess; add it to the template or change it here");
            continue;
        }
        const std::string& fn = sam->second->resource;
        c.reasons.push_back("SAM function " + fn + "'s ImageUri names no parameter: " + guess +
                            " is to be added to the template");
        warnings.push_back(facts->path + ": the image function " + fn +
                           " has no `ImageUri: !Ref` parameter, so no deploy can give it an "
                           "image: add `" +
                           guess + ": {Type: String}` to Parameters and `ImageUri: !Ref " + guess +
                           "` to " + fn + "'s Properties");
    }
    std::vector<TemplateParameter> unmatched;
    if (facts) {
        for (const auto& p : facts->parameters) {
            if (!used.contains(p.name)) unmatched.push_back(p);
        }
    }
    return unmatched;
}

}  // namespace adopt
