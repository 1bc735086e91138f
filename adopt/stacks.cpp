// The stacks of a repository with several deployable templates (rules in discover.hpp): each
// image component goes to the template that builds it, else whose parameter its name
// matches, else whose folder holds it, else to the one building the most code -- as long as
// the parameters a stack's template is to gain keep it within CloudFormation's 200. Config
// components go to the one template that packages them (several: none, so they deploy
// every stack). Then each stack's template hands out its parameters as one template did.
#include "adopt/stacks.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "adopt/parameters.hpp"
#include "adopt/paths.hpp"
#include "components/stacks.hpp"

namespace adopt {
namespace {

using components::ComponentKind;
constexpr std::size_t k_limit = components::k_max_stack_parameters;

// Letters, digits and single dashes ("apps/api" -> "apps-api").
std::string dash(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        const char next = std::isalnum(c) && c < 128 ? static_cast<char>(c) : '-';
        if (next == '-' && (out.empty() || out.back() == '-')) continue;
        out += next;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

// A stack's key at `level`: 0 template_key, 1 the folder's path (and the file's stem unless
// it is a generic name), 2 the path without its extension.
std::string key_at(const std::string& path, int level) {
    if (level == 0) return template_key(path);
    const std::string file = base_name(path);
    const std::string stem = file.substr(0, file.find('.'));
    const std::string folder = parent_folder(path);
    const bool generic = template_key(path) != dash(stem);
    if (level == 1) return dash(folder + (generic ? "" : "/" + stem));
    return dash(folder + "/" + stem);
}

// How deep the folder of template `t` holds `folder` (0 for a template at the root), or -1.
int holds(const TemplateFacts& t, const std::string& folder) {
    const std::string base = parent_folder(t.path);
    if (base.empty()) return 0;
    if (folder != base && !folder.starts_with(base + "/")) return -1;
    return 1 + static_cast<int>(std::count(base.begin(), base.end(), '/'));
}

struct Placement {
    std::size_t stack;
    std::string why;
};

// Places the image components; `added` counts the parameters each template is to gain.
class ImagePlacer {
  public:
    ImagePlacer(const Discovery& d, std::size_t primary, const std::vector<Package>& packages,
                std::vector<std::string>& notes)
        : m_d(d),
          m_primary(primary),
          m_packages(packages),
          m_notes(notes),
          m_added(d.stacks.size(), 0) {}

    Placement place(const FoundComponent& c, const std::set<std::size_t>* built_by) {
        if (built_by && !built_by->empty()) return built(c, *built_by);
        std::vector<std::size_t> matched;
        for (std::size_t i = 0; i < m_d.stacks.size(); ++i)
            if (!name_matches(c, m_d.stacks[i].facts, m_packages).empty()) matched.push_back(i);
        if (!matched.empty()) return by_name(c, matched);
        std::optional<std::size_t> holder;
        int depth = -1;
        for (std::size_t i = 0; i < m_d.stacks.size(); ++i) {
            const int h = holds(m_d.stacks[i].facts, c.folder);
            if (h > depth && room(i)) holder = i, depth = h;
        }
        if (holder) return gain(*holder, "no template's parameter names it; its folder is below");
        if (room(m_primary))
            return gain(m_primary,
                        "no template's parameter names it and none holds its folder: the "
                        "template building the most code");
        for (std::size_t i = 0; i < m_d.stacks.size(); ++i) {
            if (room(i))
                return gain(i,
                            "no template's parameter names it and none holds its folder; the "
                            "template building the most code has no room under "
                            "CloudFormation's 200 parameters");
        }
        return gain(m_primary, "no template has room for its parameter");  // warned later
    }

  private:
    bool room(std::size_t i) const {
        return m_d.stacks[i].facts.parameters.size() + m_added[i] < k_limit;
    }

    Placement gain(std::size_t i, std::string why) {
        ++m_added[i];
        return {i, std::move(why)};
    }

    Placement built(const FoundComponent& c, const std::set<std::size_t>& by) {
        const std::size_t i = *by.begin();
        if (by.size() > 1)
            m_notes.push_back("component '" + c.name +
                              "': several templates build it; it is in the stack of " +
                              m_d.stacks[i].facts.path + " alone, the others get no image");
        bool referenced = false;  // a SAM function without `ImageUri: !Ref` gains a parameter
        for (const auto& b : m_d.stacks[i].facts.docker_builds)
            referenced = referenced || (b.context == c.folder && !b.parameter.empty());
        if (!referenced) ++m_added[i];
        return {i, "its template builds it"};
    }

    Placement by_name(const FoundComponent& c, const std::vector<std::size_t>& matched) {
        std::size_t best = matched.front();
        for (std::size_t i : matched)
            if (holds(m_d.stacks[i].facts, c.folder) > holds(m_d.stacks[best].facts, c.folder))
                best = i;
        if (matched.size() > 1) {
            std::string list;
            for (std::size_t i : matched)
                list += (list.empty() ? "" : ", ") + m_d.stacks[i].facts.path;
            m_notes.push_back("component '" + c.name +
                              "' matches parameters of several templates (" + list + "); took " +
                              m_d.stacks[best].facts.path + " (check it)");
        }
        return {best, "a parameter of its template matches its name"};
    }

    const Discovery& m_d;
    std::size_t m_primary;
    const std::vector<Package>& m_packages;
    std::vector<std::string>& m_notes;
    std::vector<std::size_t> m_added;
};

// The stack of a config component: the one template packaging it, else none.
std::optional<std::size_t> place_config(const Discovery& d, FoundComponent& c,
                                        const std::set<std::size_t>* by) {
    if (!by || by->empty()) return std::nullopt;
    if (by->size() == 1) return *by->begin();
    std::string list;
    for (std::size_t i : *by) list += (list.empty() ? "" : ", ") + d.stacks[i].facts.path;
    c.reasons.push_back("packaged by several templates (" + list +
                        "): in no stack, so a change deploys every stack");
    return std::nullopt;
}

// Hands stack `i`'s template parameters to its image components (as one template would).
void assign_parameters_of(Discovery& d, std::size_t i, const std::vector<Package>& packages) {
    FoundStack& s = d.stacks[i];
    std::vector<FoundComponent> mine;
    for (const auto& c : d.components) {
        if (c.kind == ComponentKind::image &&
            std::binary_search(s.components.begin(), s.components.end(), c.name))
            mine.push_back(c);
    }
    const std::optional<TemplateFacts> facts(s.facts);
    s.unmatched_parameters = assign_parameters(mine, facts, packages, d.notes, d.warnings);
    for (auto& c : d.components) {
        for (auto& m : mine) {
            if (m.name == c.name) c = std::move(m);
        }
    }
}

// Parameters without a Default that another stack's template has as an output.
void note_outputs(Discovery& d, std::size_t i) {
    FoundStack& s = d.stacks[i];
    for (const auto& p : s.unmatched_parameters) {
        if (p.has_default) continue;
        for (std::size_t j = 0; j < d.stacks.size(); ++j) {
            const auto& outs = d.stacks[j].facts.outputs;
            if (j != i && std::binary_search(outs.begin(), outs.end(), p.name)) {
                s.outputs_elsewhere.emplace(p.name, j);
                break;
            }
        }
    }
}

void check_limits(Discovery& d, const FoundStack& s) {
    const std::size_t declared = s.facts.parameters.size();
    if (declared > k_limit)
        d.warnings.push_back(s.facts.path + " declares " + std::to_string(declared) +
                             " parameters, over CloudFormation's 200 per template: it cannot "
                             "deploy as it is");
    std::size_t images = 0;
    for (const auto& c : d.components)
        images += c.kind == ComponentKind::image &&
                  std::binary_search(s.components.begin(), s.components.end(), c.name);
    if (images > k_limit)
        d.warnings.push_back("the stack of " + s.facts.path + " would take " +
                             std::to_string(images) +
                             " images, over CloudFormation's 200 parameters: add a template "
                             "and move components to it");
}

}  // namespace

void key_stacks(std::vector<FoundStack>& stacks) {
    std::vector<std::string> keys;
    for (const auto& s : stacks) keys.push_back(key_at(s.facts.path, 0));
    for (int level = 1; level <= 3; ++level) {
        std::map<std::string, int> uses;
        for (const auto& k : keys) ++uses[k];
        for (std::size_t i = 0; i < stacks.size(); ++i) {
            if (uses[keys[i]] < 2) continue;
            keys[i] = level < 3 ? key_at(stacks[i].facts.path, level)
                                : keys[i] + "-" + std::to_string(i + 1);
        }
    }
    for (std::size_t i = 0; i < stacks.size(); ++i) stacks[i].key = keys[i];
}

void assign_stacks(Discovery& d, const std::map<std::string, std::set<std::size_t>>& owners,
                   std::size_t primary, const std::vector<Package>& packages) {
    ImagePlacer placer(d, primary, packages, d.notes);
    for (auto& c : d.components) {
        const auto it = owners.find(c.name);
        const std::set<std::size_t>* by = it == owners.end() ? nullptr : &it->second;
        std::optional<std::size_t> stack;
        std::string why;
        if (c.kind == ComponentKind::image) {
            auto p = placer.place(c, by);
            stack = p.stack, why = std::move(p.why);
        } else if (c.kind == ComponentKind::config) {
            stack = place_config(d, c, by);
            why = "its template packages it";
        }
        if (!stack) continue;
        d.stacks[*stack].components.push_back(c.name);
        if (c.name != d.stacks[*stack].template_component)
            c.reasons.push_back("in the stack of " + d.stacks[*stack].facts.path + ": " + why);
    }
    for (std::size_t i = 0; i < d.stacks.size(); ++i) {
        auto& names = d.stacks[i].components;
        std::sort(names.begin(), names.end());
        assign_parameters_of(d, i, packages);
    }
    for (std::size_t i = 0; i < d.stacks.size(); ++i) {
        note_outputs(d, i);
        check_limits(d, d.stacks[i]);
    }
}

void stack_environments(Discovery& d) {
    for (auto& e : d.environments) {
        e.stack.clear();
        std::vector<std::map<std::string, std::string>> values;
        for (const auto& s : d.stacks) {
            std::string name = stack_name(d.project, s.key, e.name);
            for (int n = 2; std::find(e.stacks.begin(), e.stacks.end(), name) != e.stacks.end();
                 ++n)
                name = stack_name(d.project, s.key + "-" + std::to_string(n), e.name);
            e.stacks.push_back(name);
            values.push_back(stage_values(s.unmatched_parameters, e));
        }
        // A value every stack declaring the parameter takes goes to the environment.
        e.parameters.clear();
        for (const auto& mine : values) {
            for (const auto& [name, value] : mine) {
                bool shared = true;
                for (std::size_t j = 0; j < d.stacks.size(); ++j) {
                    const auto& params = d.stacks[j].facts.parameters;
                    const bool declares =
                        std::any_of(params.begin(), params.end(),
                                    [&](const auto& p) { return p.name == name; });
                    const auto at = values[j].find(name);
                    if (declares && (at == values[j].end() || at->second != value)) shared = false;
                }
                if (shared) e.parameters[name] = value;
            }
        }
        for (auto& mine : values) {
            std::erase_if(mine, [&](const auto& kv) { return e.parameters.contains(kv.first); });
            e.stack_parameters.push_back(std::move(mine));
        }
    }
}

}  // namespace adopt
