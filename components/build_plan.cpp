#include "components/build_plan.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>

namespace components {

BuildPlan BuildPlan::make(const Manifest& manifest, const ComponentGraph& graph,
                          const std::vector<std::string>& selected, bool all_remote) {
    const std::set<std::string> chosen(selected.begin(), selected.end());
    BuildPlan plan;
    std::vector<std::size_t> plan_index(graph.names.size(), SIZE_MAX);
    for (std::size_t v : graph.order) {
        const Component& c = manifest.components[v];
        if (!chosen.contains(c.name) || c.build.empty()) continue;
        plan_index[v] = plan.m_builds.size();
        const bool remote = all_remote || c.remote == "codebuild";
        plan.m_builds.push_back(
            {c.name, c.build, c.timeout, {}, {}, 0, remote ? k_codebuild : k_local, 0});
    }
    // Edges to the nearest planned dependencies, looking through unplanned components.
    for (std::size_t v : graph.order) {
        if (plan_index[v] == SIZE_MAX) continue;
        std::set<std::size_t> waits;
        std::vector<std::size_t> stack(graph.depends_on[v].begin(), graph.depends_on[v].end());
        std::vector<bool> seen(graph.names.size(), false);
        while (!stack.empty()) {
            std::size_t d = stack.back();
            stack.pop_back();
            if (seen[d]) continue;
            seen[d] = true;
            if (plan_index[d] != SIZE_MAX) {
                waits.insert(plan_index[d]);
            } else {
                stack.insert(stack.end(), graph.depends_on[d].begin(), graph.depends_on[d].end());
            }
        }
        auto& b = plan.m_builds[plan_index[v]];
        b.waits_for.assign(waits.begin(), waits.end());
        for (std::size_t w : waits) plan.m_builds[w].dependents.push_back(plan_index[v]);
    }
    const std::size_t n = plan.m_builds.size();
    std::vector<std::size_t> by_name(n);
    std::iota(by_name.begin(), by_name.end(), std::size_t{0});
    std::ranges::sort(by_name, {}, [&](std::size_t i) -> const std::string& {
        return plan.m_builds[i].component;
    });
    for (std::size_t r = 0; r < n; ++r) plan.m_builds[by_name[r]].name_rank = r;
    plan.weigh({});
    return plan;
}

void BuildPlan::weigh(const std::map<std::string, std::int64_t>& expected_ms) {
    std::vector<std::int64_t> known;
    for (const auto& b : m_builds) {
        if (auto it = expected_ms.find(b.component); it != expected_ms.end())
            known.push_back(it->second);
    }
    std::int64_t fallback = 1;
    if (!known.empty()) {
        std::ranges::nth_element(known,
                                 known.begin() + static_cast<std::ptrdiff_t>(known.size() / 2));
        fallback = std::max<std::int64_t>(1, known[known.size() / 2]);
    }
    // From the last build in dependency order back to the first.
    for (std::size_t i = m_builds.size(); i-- > 0;) {
        std::int64_t longest = 0;
        for (std::size_t d : m_builds[i].dependents) longest = std::max(longest, m_builds[d].chain);
        auto it = expected_ms.find(m_builds[i].component);
        m_builds[i].chain =
            longest + (it != expected_ms.end() ? std::max<std::int64_t>(1, it->second) : fallback);
    }
}

common::Result<std::string> render_image_uri(const ImageSettings& image, const TagValues& v) {
    std::string tag;
    const std::string_view t = image.tag;
    for (std::size_t i = 0; i < t.size();) {
        if (t[i] != '{') {
            tag += t[i++];
            continue;
        }
        const auto close = t.find('}', i);
        const auto name = t.substr(i + 1, close - i - 1);
        if (name == "component")
            tag += v.component;
        else if (name == "build")
            tag += std::to_string(v.build);
        else if (name == "commit")
            tag += v.commit;
        else if (name == "short_commit")
            tag += v.commit.substr(0, 12);
        else if (name == "timestamp")
            tag += v.timestamp;
        else if (name == "env") {
            if (v.env.empty()) {
                return common::fail(common::ErrorCode::input,
                                    "image.tag uses {env}, but no environment was given (--env)");
            }
            tag += v.env;
        }
        i = close + 1;
    }
    return image.repository + ":" + tag;
}

}  // namespace components
