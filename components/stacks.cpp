// See stacks.hpp for the rules. Everything here works on values read already: errors point
// at the positions the reader kept.
#include "components/stacks.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "common/text.hpp"

namespace components {

using common::ErrorCode;
using common::Result;

namespace {

std::unexpected<common::Error> error_at(const SourcePos& pos, const std::string& message) {
    return common::fail(ErrorCode::input, pos.str() + ": " + common::printable(message));
}

bool has_glob(std::string_view text) {
    return text.find_first_of("*?[") != std::string_view::npos;
}

// A path pattern as a folder: no leading '/', no trailing '/' or '/**'.
std::string folder_of(std::string_view pattern) {
    std::string out(pattern);
    if (out.ends_with("/**")) out.resize(out.size() - 3);
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    if (out.starts_with('/')) out.erase(0, 1);
    return out;
}

bool deployable(const Component& c) {
    return c.kind != ComponentKind::library;
}

// The members of one stack, in manifest order; an entry that matches nothing is an error.
Result<std::vector<std::string>> members_of(const Manifest& m, const Stack& s) {
    std::vector<bool> in(m.components.size(), false);
    for (const auto& entry : s.components) {
        bool any = false;
        for (std::size_t i = 0; i < m.components.size(); ++i) {
            const Component& c = m.components[i];
            if (!stack_entry_matches(entry.text, c)) continue;
            if (!deployable(c)) {
                if (has_glob(entry.text) || entry.text.find('/') != std::string::npos) continue;
                return error_at(entry.pos, "stack '" + s.name + "': '" + c.name +
                                               "' is a library, which no stack deploys (list the "
                                               "components that use it)");
            }
            in[i] = any = true;
        }
        if (any) continue;
        std::string hint;
        if (!has_glob(entry.text) && entry.text.find('/') == std::string::npos)
            hint = common::did_you_mean(entry.text, m.component_names());
        return error_at(entry.pos, "stack '" + s.name + "'.components: '" + entry.text +
                                       "' matches no image or config component" + hint);
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < m.components.size(); ++i) {
        if (in[i] || (s.every_component && deployable(m.components[i])))
            out.push_back(m.components[i].name);
    }
    return out;
}

// The entry of stack `s` that matches component `c` (for the message's position).
const SourcePos& entry_for(const Stack& s, const Component& c) {
    for (const auto& entry : s.components) {
        if (stack_entry_matches(entry.text, c)) return entry.pos;
    }
    return s.pos;
}

// Every image component in exactly one stack, every config component in at most one.
Result<void> check_membership(const Manifest& m, const Environment& env) {
    std::map<std::string_view, const Stack*> owner;
    for (const auto& s : env.stacks) {
        for (const auto& name : s.members) {
            auto [at, fresh] = owner.emplace(name, &s);
            if (fresh) continue;
            const Component& c = *m.find(name);
            return error_at(entry_for(s, c), "environment '" + env.name + "': component '" + name +
                                                 "' is in stack '" + at->second->name + "' (" +
                                                 entry_for(*at->second, c).str() +
                                                 ") and in stack '" + s.name + "'");
        }
    }
    for (const auto& c : m.components) {
        if (c.kind != ComponentKind::image || owner.contains(c.name)) continue;
        return error_at(env.pos, "environment '" + env.name + "': image component '" + c.name +
                                     "' (" + c.pos.str() +
                                     ") is in no stack: add it to one stack's components");
    }
    return {};
}

// Parameters: the stacks read exist, no stack parameter is also a member's image parameter,
// and at most 200 in all.
Result<void> check_parameters(const Manifest& m, const Environment& env, const Stack& s) {
    std::vector<std::string> names;
    for (const auto& other : env.stacks) names.push_back(other.name);
    std::size_t count = s.parameters.size();
    for (const auto& member : s.members) {
        const Component& c = *m.find(member);
        if (c.kind != ComponentKind::image) continue;
        ++count;
        if (auto p = s.parameters.find(c.parameter); p != s.parameters.end())
            return error_at(p->second.pos, "stack '" + s.name + "': parameter '" + c.parameter +
                                               "' carries the image of component '" + c.name +
                                               "'; it cannot also be set here");
    }
    for (const auto& [name, p] : s.parameters) {
        if (!p.from_output()) continue;
        if (p.stack == s.name)
            return error_at(p.pos, "stack '" + s.name + "'.parameters." + name +
                                       ": a stack cannot read its own output");
        if (!env.find_stack(p.stack))
            return error_at(p.pos, "stack '" + s.name + "'.parameters." + name +
                                       ": unknown stack '" + p.stack + "'" +
                                       common::did_you_mean(p.stack, names));
    }
    if (count > k_max_stack_parameters)
        return error_at(s.pos, "stack '" + s.name + "' would pass " + std::to_string(count) +
                                   " parameters, over CloudFormation's " +
                                   std::to_string(k_max_stack_parameters) +
                                   " per stack: move components to another stack");
    return {};
}

// The stacks `s` waits for: those whose outputs it reads and those it depends_on.
Result<std::vector<std::size_t>> waits_of(const Environment& env, const Stack& s) {
    std::vector<std::size_t> out;
    auto index = [&](const std::string& name) {
        for (std::size_t i = 0; i < env.stacks.size(); ++i)
            if (env.stacks[i].name == name) return i;
        return env.stacks.size();
    };
    for (const auto& [name, p] : s.parameters) {
        if (p.from_output()) out.push_back(index(p.stack));
    }
    std::vector<std::string> names;
    for (const auto& other : env.stacks) names.push_back(other.name);
    for (const auto& dep : s.depends_on) {
        const std::size_t i = index(dep);
        if (i == env.stacks.size() || dep == s.name)
            return error_at(s.pos, "stack '" + s.name + "' depends on " +
                                       (dep == s.name ? "itself" : "unknown stack '" + dep + "'") +
                                       common::did_you_mean(dep, names));
        out.push_back(i);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// A cycle between stacks, printed whole ("a -> b -> a"), or "".
std::string find_cycle(const Environment& env) {
    const std::size_t n = env.stacks.size();
    std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::size_t> path;
    std::string found;
    auto visit = [&](auto&& self, std::size_t v) -> void {
        state[v] = 1;
        path.push_back(v);
        for (std::size_t w : env.stacks[v].after) {
            if (!found.empty()) return;
            if (state[w] == 1) {
                auto from = std::find(path.begin(), path.end(), w);
                for (auto it = from; it != path.end(); ++it) found += env.stacks[*it].name + " -> ";
                found += env.stacks[w].name;
                return;
            }
            if (state[w] == 0) self(self, w);
        }
        path.pop_back();
        state[v] = 2;
    };
    for (std::size_t v = 0; v < n && found.empty(); ++v)
        if (state[v] == 0) visit(visit, v);
    return found;
}

}  // namespace

bool stack_entry_matches(std::string_view entry, const Component& c) {
    const std::string pattern(entry);
    if (entry.find('/') == std::string_view::npos) {
        if (!has_glob(entry)) return entry == c.name;
        return fnmatch(pattern.c_str(), c.name.c_str(), 0) == 0;
    }
    const std::string folder_pattern = folder_of(entry);
    for (const auto& p : c.paths) {
        if (p.text.starts_with('!')) continue;
        const std::string folder = folder_of(p.text);
        if (fnmatch(folder_pattern.c_str(), folder.c_str(), FNM_PATHNAME) == 0) return true;
    }
    return false;
}

Result<void> settle_stacks(const Manifest& m, Environment& env) {
    for (auto& s : env.stacks) {
        auto members = members_of(m, s);
        if (!members) return std::unexpected(members.error());
        s.members = std::move(*members);
    }
    if (auto ok = check_membership(m, env); !ok) return ok;
    for (auto& s : env.stacks) {
        if (auto ok = check_parameters(m, env, s); !ok) return ok;
        auto after = waits_of(env, s);
        if (!after) return std::unexpected(after.error());
        s.after = std::move(*after);
    }
    if (auto cycle = find_cycle(env); !cycle.empty())
        return error_at(env.pos, "environment '" + env.name +
                                     "': stacks wait for each other in "
                                     "a cycle: " +
                                     cycle);
    return {};
}

}  // namespace components
