// Reading `environments`. An environment is a set of stacks deployed to one or more targets
// (a region in an account), in waves:
//
//   the one-stack form     stack, template, parameters, region, role_arn: one stack holding
//                          every image and config component, one target. It reads as it
//                          always did and is recorded as it always was.
//   the stacks form        stacks: [{name, template, components, parameters, depends_on}],
//                          with `parameters` of the environment shared by every stack whose
//                          template declares them; regions: [...] and accounts: {role_arn,
//                          ids} multiply the targets; waves: [[selector, ...], ...] order them.
//
// Which components each stack deploys, the order stacks wait for each other and the limits
// are settled in stack_membership.cpp, over the values read here.
#include <algorithm>
#include <unordered_set>

#include "components/manifest_reader.hpp"
#include "components/stacks.hpp"

namespace components::detail {

namespace {

const std::vector<std::string> k_environment_keys = {
    "stack",           "region",     "template", "base",         "promote_from", "role_arn",
    "artifact_bucket", "parameters", "tags",     "capabilities", "image",        "service_role_arn",
    "trigger",         "stacks",     "regions",  "accounts",     "waves",        "gates",
    "alarms",          "promote",    "url",      "production",   "plan_pull_requests"};
const std::vector<std::string> k_stack_keys = {"name", "template", "components", "parameters",
                                               "depends_on"};
const std::vector<std::string> k_output_keys = {"stack", "output"};
const std::vector<std::string> k_account_keys = {"role_arn", "ids"};
const std::vector<std::string> k_trigger_keys = {"branch"};
const std::vector<std::string> k_environment_image_keys = {"promote_tags", "immutable"};
const std::vector<std::string> k_capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
                                                 "CAPABILITY_AUTO_EXPAND"};

constexpr std::string_view k_stack_rule =
    "CloudFormation allows letters, digits and '-' (up to 128, starting with a letter)";

Result<void> parse_environment_image(const Reader& r, const Node& n, const std::string& where,
                                     Environment& e) {
    if (!n) return {};
    const std::string what = where + ".image";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_environment_image_keys, {what}); !ok) return ok;
    const std::pair<const char*, bool*> flags[] = {{"promote_tags", &e.promote_tags},
                                                   {"immutable", &e.immutable}};
    for (auto [key, out] : flags) {
        Node flag = n[key];
        if (!flag) continue;
        auto value = r.scalar(flag, {what, key});
        if (!value) return std::unexpected(value.error());
        if (*value != "true" && *value != "false")
            return r.error(flag, what + "." + key + ": expected true or false");
        *out = *value == "true";
    }
    return {};
}

// trigger: {branch: B}, the branch `slipway serve` deploys this environment from.
Result<void> parse_trigger(const Reader& r, const Node& n, const std::string& where,
                           Environment& e) {
    if (!n) return {};
    const std::string what = where + ".trigger";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_trigger_keys, {what}); !ok) return ok;
    Node branch = n["branch"];
    if (!branch) return r.error(n, what + ": missing required key 'branch'");
    auto text = r.scalar(branch, {what, "branch"});
    if (!text) return std::unexpected(text.error());
    e.trigger_branch = std::move(*text);
    return {};
}

// The plain string fields; `stack` and `template` of the one-stack form go to `one`.
Result<void> parse_environment_fields(const Reader& r, const Node& n, const std::string& where,
                                      Environment& e, Stack& one) {
    const std::pair<const char*, std::string*> fields[] = {
        {"stack", &one.name},
        {"region", &e.region},
        {"template", &one.template_path},
        {"base", &e.base},
        {"promote_from", &e.promote_from},
        {"role_arn", &e.role_arn},
        {"service_role_arn", &e.service_role_arn},
        {"artifact_bucket", &e.artifact_bucket}};
    for (auto [field, out] : fields) {
        Node value = n[field];
        if (!value) continue;
        auto text = r.scalar(value, {where, field});
        if (!text) return std::unexpected(text.error());
        *out = std::move(*text);
    }
    if (Node url = n["url"]) {
        auto text = r.scalar(url, {where, "url"});
        if (!text) return std::unexpected(text.error());
        e.url = std::move(*text);
    }
    const std::pair<const char*, bool*> flags[] = {{"production", &e.production},
                                                   {"plan_pull_requests", &e.plan_pull_requests}};
    for (auto [key, out] : flags) {
        Node flag = n[key];
        if (!flag) continue;
        auto value = r.scalar(flag, {where, key});
        if (!value) return std::unexpected(value.error());
        if (*value != "true" && *value != "false")
            return r.error(flag, where + "." + key + ": expected true or false");
        *out = *value == "true";
    }
    if (Node stack = n["stack"]; stack && !valid_stack_name(one.name)) {
        return r.error(stack, where + ".stack: invalid stack name '" + one.name +
                                  "': " + std::string(k_stack_rule));
    }
    return {};
}

Result<void> parse_capabilities(const Reader& r, const Node& caps, const std::string& where,
                                Environment& e) {
    if (auto ok = r.check_scalar_list(caps, {where, "capabilities"}); !ok) return ok;
    for (Node cap : caps.children()) {
        const std::string text(cap.scalar());
        if (std::find(k_capabilities.begin(), k_capabilities.end(), text) == k_capabilities.end())
            return r.error(cap, where + ": unknown capability '" + text + "'");
        e.capabilities.push_back(text);
    }
    return {};
}

// A stack parameter: a string, or {stack: S, output: O}.
Result<StackParameter> parse_stack_parameter(const Reader& r, const Node& value,
                                             const std::string& what) {
    StackParameter p;
    p.pos = r.pos(value);
    if (value.is_scalar()) {
        p.value = std::string(value.scalar());
        return p;
    }
    if (!value.is_map())
        return r.error(value,
                       what + ": expected a string or {stack, output}, got " + node_type(value));
    if (auto ok = r.check_keys(value, k_output_keys, {what}); !ok)
        return std::unexpected(ok.error());
    for (auto [field, out] : {std::pair{"stack", &p.stack}, {"output", &p.output}}) {
        Node v = value[field];
        if (!v) return r.error(value, what + ": missing required key '" + field + "'");
        auto text = r.scalar(v, {what, field});
        if (!text) return std::unexpected(text.error());
        if (text->empty()) return r.error(v, what + "." + field + ": is empty");
        *out = std::move(*text);
    }
    return p;
}

Result<Stack> parse_stack(const Reader& r, const Node& n, const std::string& env_where) {
    Stack s;
    s.pos = r.pos(n);
    if (!n.is_map()) return r.error(n, env_where + ".stacks: expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_stack_keys, {env_where + ".stacks"}); !ok)
        return std::unexpected(ok.error());
    Node name = n["name"];
    if (!name) return r.error(n, env_where + ".stacks: missing required key 'name'");
    auto text = r.scalar(name, {env_where + ".stacks", "name"});
    if (!text) return std::unexpected(text.error());
    s.name = std::move(*text);
    if (!valid_stack_name(s.name)) {
        return r.error(name, env_where + ".stacks: invalid stack name '" + s.name +
                                 "': " + std::string(k_stack_rule));
    }
    const std::string where = "stack '" + s.name + "'";
    Node tmpl = n["template"];
    if (!tmpl) return r.error(n, where + ": missing required key 'template'");
    auto path = r.scalar(tmpl, {where, "template"});
    if (!path) return std::unexpected(path.error());
    s.template_path = std::move(*path);
    auto comps = r.patterns(n["components"], {where, "components"});
    if (!comps) return std::unexpected(comps.error());
    s.components = std::move(*comps);
    auto deps = r.strings(n["depends_on"], {where, "depends_on"});
    if (!deps) return std::unexpected(deps.error());
    s.depends_on = std::move(*deps);
    Node params = n["parameters"];
    if (params && !params.is_null()) {
        if (!params.is_map())
            return r.error(params, where + ".parameters: expected a map, got " + node_type(params));
        for (const auto& [key, value] : params.entries()) {
            auto pname = r.key_name(key, {where, "parameters"});
            if (!pname) return std::unexpected(pname.error());
            auto p = parse_stack_parameter(r, value, where + ".parameters." + *pname);
            if (!p) return std::unexpected(p.error());
            if (!s.parameters.emplace(*pname, std::move(*p)).second)
                return r.error(key, "duplicate key '" + *pname + "' in " + where + ".parameters");
        }
    }
    return s;
}

Result<void> parse_stacks(const Reader& r, const Node& n, const std::string& where,
                          Environment& e) {
    if (!n.is_sequence() || n.size() == 0)
        return r.error(n, where + ".stacks: expected a list of stacks, got " +
                              (n.is_sequence() ? std::string("an empty list") : node_type(n)));
    std::unordered_set<std::string> names;
    for (Node item : n.children()) {
        auto s = parse_stack(r, item, where);
        if (!s) return std::unexpected(s.error());
        if (!names.insert(s->name).second)
            return r.error(item["name"], where + ": duplicate stack '" + s->name + "'");
        e.stacks.push_back(std::move(*s));
    }
    return {};
}

// A region name as AWS spells them: lower-case letters, digits and '-'.
bool valid_region(std::string_view region) {
    return !region.empty() && region.size() <= 32 &&
           std::all_of(region.begin(), region.end(), [](char ch) {
               return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
           });
}

bool valid_account(std::string_view id) {
    return id.size() == 12 &&
           std::all_of(id.begin(), id.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

struct TargetLists {
    std::vector<std::string> regions;
    std::vector<std::string> accounts;
    std::string role_template;
};

Result<void> parse_regions(const Reader& r, const Node& n, const std::string& where,
                           TargetLists& t) {
    auto regions = r.strings(n, {where, "regions"});
    if (!regions) return std::unexpected(regions.error());
    if (regions->empty()) return r.error(n, where + ".regions: expected at least one region");
    std::size_t i = 0;
    for (Node item : n.children()) {
        const std::string& region = (*regions)[i++];
        if (!valid_region(region))
            return r.error(item, where + ".regions: '" + region + "' is not a region name");
        if (std::count(regions->begin(), regions->end(), region) > 1)
            return r.error(item, where + ".regions: '" + region + "' is listed twice");
    }
    t.regions = std::move(*regions);
    return {};
}

Result<void> parse_accounts(const Reader& r, const Node& n, const std::string& where,
                            TargetLists& t) {
    const std::string what = where + ".accounts";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_account_keys, {what}); !ok) return ok;
    Node role = n["role_arn"];
    if (!role) return r.error(n, what + ": missing required key 'role_arn'");
    auto text = r.scalar(role, {what, "role_arn"});
    if (!text) return std::unexpected(text.error());
    if (text->find("{account}") == std::string::npos)
        return r.error(role, what +
                                 ".role_arn: expected '{account}' where each account's id goes "
                                 "(arn:aws:iam::{account}:role/NAME)");
    t.role_template = std::move(*text);
    Node ids = n["ids"];
    if (!ids) return r.error(n, what + ": missing required key 'ids'");
    auto list = r.strings(ids, {what, "ids"});
    if (!list) return std::unexpected(list.error());
    if (list->empty()) return r.error(ids, what + ".ids: expected at least one account id");
    std::size_t i = 0;
    for (Node item : ids.children()) {
        const std::string& id = (*list)[i++];
        if (!valid_account(id))
            return r.error(item, what + ".ids: '" + id + "' is not an account id (12 digits)");
        if (std::count(list->begin(), list->end(), id) > 1)
            return r.error(item, what + ".ids: '" + id + "' is listed twice");
    }
    t.accounts = std::move(*list);
    return {};
}

std::string role_for(const std::string& role_template, const std::string& account) {
    std::string out = role_template;
    for (auto at = out.find("{account}"); at != std::string::npos; at = out.find("{account}"))
        out.replace(at, 9, account);
    return out;
}

bool selects(std::string_view selector, const Target& t) {
    return selector == t.region || (!t.account.empty() && selector == t.account) ||
           (!t.account.empty() && selector == t.account + "/" + t.region);
}

// waves: [[selector, ...], ...]; every target in exactly one wave. Targets end up sorted by
// wave (stable: as written within a wave).
Result<void> parse_waves(const Reader& r, const Node& n, const std::string& where, Environment& e) {
    const std::string what = where + ".waves";
    if (!n.is_sequence() || n.size() == 0)
        return r.error(n, what + ": expected a list of waves (lists of regions or accounts)");
    std::vector<int> wave_of(e.targets.size(), -1);
    int wave = 0;
    for (Node list : n.children()) {
        if (!list.is_sequence() || list.size() == 0)
            return r.error(
                list, what + ": expected a list of regions or accounts, got " +
                          (list.is_sequence() ? std::string("an empty list") : node_type(list)));
        for (Node item : list.children()) {
            if (!item.is_scalar())
                return r.error(item, what + ": expected a string, got " + node_type(item));
            const std::string_view selector = item.scalar();
            bool any = false;
            for (std::size_t t = 0; t < e.targets.size(); ++t) {
                if (!selects(selector, e.targets[t])) continue;
                any = true;
                if (wave_of[t] >= 0 && wave_of[t] != wave)
                    return r.error(item, what + ": " + e.targets[t].label() +
                                             " is already in wave " +
                                             std::to_string(wave_of[t] + 1));
                wave_of[t] = wave;
            }
            if (!any)
                return r.error(item, what + ": '" + std::string(selector) +
                                         "' names no region or account of the environment");
        }
        ++wave;
    }
    for (std::size_t t = 0; t < e.targets.size(); ++t) {
        if (wave_of[t] < 0)
            return r.error(n, what + ": " + e.targets[t].label() + " is in no wave");
        e.targets[t].wave = static_cast<std::size_t>(wave_of[t]);
    }
    std::stable_sort(e.targets.begin(), e.targets.end(),
                     [](const Target& a, const Target& b) { return a.wave < b.wave; });
    e.waves = static_cast<std::size_t>(wave);
    return {};
}

// regions x accounts (or the one region and role), then the waves.
Result<void> parse_targets(const Reader& r, const Node& n, const std::string& where,
                           Environment& e) {
    TargetLists lists;
    Node regions = n["regions"], accounts = n["accounts"], waves = n["waves"];
    if (regions && n["region"])
        return r.error(regions, where + ": give either 'region' or 'regions', not both");
    if (accounts && n["role_arn"])
        return r.error(accounts, where + ": give either 'role_arn' or 'accounts', not both");
    if (regions) {
        if (auto ok = parse_regions(r, regions, where, lists); !ok) return ok;
    }
    if (accounts) {
        if (auto ok = parse_accounts(r, accounts, where, lists); !ok) return ok;
    }
    const bool named = regions || accounts;
    if (lists.regions.empty()) lists.regions.push_back(e.region);
    if (lists.accounts.empty()) lists.accounts.push_back("");
    for (const auto& account : lists.accounts) {
        for (const auto& region : lists.regions) {
            Target t;
            t.region = region;
            t.account = account;
            t.role_arn = account.empty() ? e.role_arn : role_for(lists.role_template, account);
            t.named = named;
            e.targets.push_back(std::move(t));
        }
    }
    if (!waves) return {};
    if (!named)
        return r.error(waves, where + ".waves: waves order 'regions' or 'accounts'; give those");
    return parse_waves(r, waves, where, e);
}

// The one-stack form (stack, template, parameters) or the stacks form.
Result<void> parse_stack_forms(const Reader& r, const Node& key, const Node& n,
                               const std::string& where, Environment& e, Stack one) {
    auto params = r.scalar_map(n["parameters"], {where, "parameters"});
    if (!params) return std::unexpected(params.error());
    Node stacks = n["stacks"];
    if (!stacks) {
        if (one.name.empty())
            return r.error(key, where + ": missing required key 'stack' (or a list of 'stacks')");
        one.pos = r.pos(n["stack"]);
        one.every_component = true;
        for (auto& [name, value] : *params)
            one.parameters[name] = StackParameter{value, {}, {}, one.pos};
        e.stacks.push_back(std::move(one));
        return {};
    }
    if (Node stack = n["stack"])
        return r.error(stack, where + ": give either 'stack' or 'stacks', not both");
    if (Node tmpl = n["template"])
        return r.error(tmpl, where + ".template: with 'stacks', each stack names its template");
    e.parameters = std::move(*params);
    if (Node p = n["parameters"]) e.parameters_pos = r.pos(p);
    return parse_stacks(r, stacks, where, e);
}

Result<Environment> parse_environment(const Reader& r, const Node& key, const Node& n) {
    Environment e;
    auto name = r.key_name(key, {"environments"});
    if (!name) return std::unexpected(name.error());
    e.name = std::move(*name);
    e.pos = r.pos(key);
    if (!valid_name(e.name)) {
        return r.error(key,
                       "invalid environment name '" + e.name + "': " + std::string(k_name_rule));
    }
    const std::string where = "environment '" + e.name + "'";
    if (!n.is_map()) return r.error(n, where + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_environment_keys, {where}); !ok)
        return std::unexpected(ok.error());
    Stack one;
    if (auto ok = parse_environment_fields(r, n, where, e, one); !ok)
        return std::unexpected(ok.error());
    if (auto ok = parse_stack_forms(r, key, n, where, e, std::move(one)); !ok)
        return std::unexpected(ok.error());
    auto tags = r.scalar_map(n["tags"], {where, "tags"});
    if (!tags) return std::unexpected(tags.error());
    e.tags = std::move(*tags);
    if (auto ok = parse_environment_image(r, n["image"], where, e); !ok)
        return std::unexpected(ok.error());
    if (auto ok = parse_trigger(r, n["trigger"], where, e); !ok) return std::unexpected(ok.error());
    if (auto ok = parse_safety(r, n, where, e); !ok) return std::unexpected(ok.error());
    if (auto ok = parse_capabilities(r, n["capabilities"], where, e); !ok)
        return std::unexpected(ok.error());
    if (auto ok = parse_targets(r, n, where, e); !ok) return std::unexpected(ok.error());
    return e;
}

}  // namespace

bool valid_stack_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

Result<void> parse_environments(const Reader& r, const Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.is_map()) return r.error(n, "environments: expected a map, got " + node_type(n));
    std::unordered_set<std::string_view> seen;
    for (const auto& [key, value] : n.entries()) {
        if (!seen.insert(key.scalar()).second)
            return r.error(key, "duplicate environment '" + std::string(key.scalar()) + "'");
        auto e = parse_environment(r, key, value);
        if (!e) return std::unexpected(e.error());
        if (auto ok = settle_stacks(m, *e); !ok) return ok;
        m.environments.push_back(std::move(*e));
    }
    std::size_t index = 0;
    for (const auto& [key, value] : n.entries()) {
        const Environment& e = m.environments[index++];
        if (e.promote_from.empty() || seen.contains(e.promote_from)) continue;
        std::vector<std::string> names;
        for (const auto& other : m.environments) names.push_back(other.name);
        return r.error(value["promote_from"],
                       "environment '" + e.name + "' promotes from unknown environment '" +
                           e.promote_from + "'" + common::did_you_mean(e.promote_from, names));
    }
    return check_safety(r, n, m);
}

}  // namespace components::detail
