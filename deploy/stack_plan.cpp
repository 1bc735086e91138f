// See stack_plan.hpp.
#include "deploy/stack_plan.hpp"

#include <algorithm>
#include <set>

namespace deploy {

using components::Environment;

namespace {

// Stacks in dependency order (waited-for first, ties by place in the manifest).
std::vector<std::size_t> stack_order(const Environment& env) {
    const std::size_t n = env.stacks.size();
    std::vector<std::size_t> waiting(n), order;
    for (std::size_t i = 0; i < n; ++i) waiting[i] = env.stacks[i].after.size();
    std::set<std::size_t> ready;
    for (std::size_t i = 0; i < n; ++i)
        if (waiting[i] == 0) ready.insert(i);
    while (!ready.empty()) {
        const std::size_t v = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(v);
        for (std::size_t w = 0; w < n; ++w) {
            const auto& after = env.stacks[w].after;
            if (std::find(after.begin(), after.end(), v) != after.end() && --waiting[w] == 0)
                ready.insert(w);
        }
    }
    return order;  // the manifest loader refused cycles
}

// The planned stacks `s` waits for: its own `after`, looking through stacks not planned.
void planned_waits(const Environment& env, const std::vector<bool>& planned, std::size_t s,
                   std::set<std::size_t>& out) {
    for (std::size_t a : env.stacks[s].after) {
        if (planned[a]) {
            out.insert(a);
        } else {
            planned_waits(env, planned, a, out);
        }
    }
}

bool template_changed(const components::Stack& s, const std::vector<std::string>& changed) {
    std::string path = s.template_path;
    while (path.starts_with("./")) path.erase(0, 2);
    return std::find(changed.begin(), changed.end(), path) != changed.end();
}

}  // namespace

std::string stack_label(const std::string& stack, const components::Target& target) {
    const std::string where = target.label();
    return where.empty() ? stack : stack + "@" + where;
}

StackSelection select_stacks(const components::Manifest& m, const Environment& env,
                             const std::vector<std::string>& affected,
                             const std::vector<std::string>& changed_paths, bool everything) {
    const std::size_t n = env.stacks.size();
    StackSelection out{std::vector<bool>(n, false), std::vector<std::string>(n)};
    auto pick = [&](std::size_t i, const std::string& why) {
        if (out.deploy[i]) return;
        out.deploy[i] = true;
        out.reasons[i] = why;
    };
    for (std::size_t i = 0; i < n && everything; ++i) pick(i, "every stack");
    for (const auto& name : affected) {
        const auto* c = m.find(name);
        if (!c || c->kind == components::ComponentKind::library) continue;
        const auto* owner = env.stack_of(name);
        for (std::size_t i = 0; i < n; ++i) {
            if (owner == &env.stacks[i] || (!owner && c->kind == components::ComponentKind::config))
                pick(i, "component " + name);
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (template_changed(env.stacks[i], changed_paths))
            pick(i, "template " + env.stacks[i].template_path);
    }
    // Readers of a stack that deploys deploy too: its outputs may change. In dependency
    // order, so one pass settles chains.
    for (std::size_t i : stack_order(env)) {
        for (const auto& [name, p] : env.stacks[i].parameters) {
            if (!p.from_output()) continue;
            const auto* producer = env.find_stack(p.stack);
            const auto at = static_cast<std::size_t>(producer - env.stacks.data());
            if (out.deploy[at]) pick(i, "reads outputs of " + p.stack);
        }
    }
    return out;
}

StackSelection all_stacks(const Environment& env, const std::string& reason) {
    return {std::vector<bool>(env.stacks.size(), true),
            std::vector<std::string>(env.stacks.size(), reason)};
}

common::Result<std::vector<bool>> filter_targets(const Environment& env,
                                                 const TargetFilter& filter) {
    std::vector<bool> kept(env.targets.size(), false);
    bool any = false;
    for (std::size_t t = 0; t < env.targets.size(); ++t) {
        const auto& target = env.targets[t];
        const bool in_wave = filter.wave == 0 || target.wave + 1 == filter.wave;
        const bool in_region =
            filter.region.empty() || filter.region == target.region ||
            (!target.account.empty() && (filter.region == target.account ||
                                         filter.region == target.account + "/" + target.region));
        kept[t] = in_wave && in_region;
        any = any || kept[t];
    }
    if (any) return kept;
    std::string what;
    if (filter.wave > 0) what = "--wave " + std::to_string(filter.wave);
    if (!filter.region.empty()) what += (what.empty() ? "" : " ") + ("--region " + filter.region);
    std::string places;
    for (const auto& t : env.targets)
        places += (places.empty() ? "" : ", ") + (t.label().empty() ? t.region : t.label());
    return common::fail(common::ErrorCode::usage,
                        what + ": environment '" + env.name + "' has no such target (it has " +
                            std::to_string(env.waves) +
                            " wave(s): " + (places.empty() ? "its one region" : places) + ")");
}

std::string scope_of(const TargetFilter& filter, const std::vector<bool>& kept) {
    if (std::all_of(kept.begin(), kept.end(), [](bool k) { return k; })) return "";
    std::string out;
    if (filter.wave > 0) out = "wave " + std::to_string(filter.wave);
    if (!filter.region.empty()) out += (out.empty() ? "" : ", ") + ("region " + filter.region);
    return out;
}

StackPlan StackPlan::make(const Environment& env, const StackSelection& stacks,
                          const std::vector<bool>& targets) {
    StackPlan plan;
    const auto order = stack_order(env);
    std::vector<std::size_t> previous_wave, this_wave;
    std::size_t wave = 0;
    for (std::size_t t = 0; t < env.targets.size(); ++t) {
        if (!targets[t]) continue;
        const auto& target = env.targets[t];
        if (target.wave != wave && !this_wave.empty()) {
            previous_wave = std::move(this_wave);
            this_wave.clear();
        }
        wave = target.wave;
        std::vector<std::size_t> node_of(env.stacks.size(), 0);
        for (std::size_t s : order) {
            if (!stacks.deploy[s]) continue;
            StackNode node;
            node.stack = s;
            node.target = t;
            node.wave = target.wave;
            node.label = stack_label(env.stacks[s].name, target);
            node.reason = stacks.reasons[s];
            std::set<std::size_t> waits;
            planned_waits(env, stacks.deploy, s, waits);
            for (std::size_t w : waits) node.waits_for.push_back(node_of[w]);
            node.waits_for.insert(node.waits_for.end(), previous_wave.begin(), previous_wave.end());
            node_of[s] = plan.m_nodes.size();
            this_wave.push_back(plan.m_nodes.size());
            plan.m_nodes.push_back(std::move(node));
        }
    }
    for (std::size_t i = 0; i < plan.m_nodes.size(); ++i) {
        auto& w = plan.m_nodes[i].waits_for;
        std::sort(w.begin(), w.end());
        w.erase(std::unique(w.begin(), w.end()), w.end());
        for (std::size_t d : w) plan.m_nodes[d].dependents.push_back(i);
    }
    return plan;
}

std::vector<components::ScheduleNode> schedule_of(const StackPlan& plan) {
    std::vector<components::ScheduleNode> out(plan.size());
    std::vector<bool> known(plan.size(), false);
    // chain: this node and the longest line of nodes waiting on it, one unit each.
    auto chain = [&](auto& self, std::size_t i) -> std::int64_t {
        if (known[i]) return out[i].chain;
        std::int64_t longest = 0;
        for (std::size_t d : plan.at(i).dependents) longest = std::max(longest, self(self, d));
        known[i] = true;
        return out[i].chain = longest + 1;
    };
    for (std::size_t i = 0; i < plan.size(); ++i) {
        out[i].waits_for = plan.at(i).waits_for;
        out[i].dependents = plan.at(i).dependents;
        out[i].name_rank = i;
        out[i].runner = components::k_local;
    }
    for (std::size_t i = 0; i < plan.size(); ++i) chain(chain, i);
    return out;
}

}  // namespace deploy
