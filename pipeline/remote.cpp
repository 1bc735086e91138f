// See remote.hpp.
#include "pipeline/remote.hpp"

#include <fmt/format.h>

#include "components/builder.hpp"
#include "components/codebuild_api.hpp"
#include "components/codebuild_runner.hpp"

namespace pipeline {

common::Result<void> check_remote(const components::Manifest& m, const std::string& remote) {
    if (remote.empty()) return {};
    if (remote != "codebuild")
        return common::fail(common::ErrorCode::usage,
                            "--remote: '" + remote + "' is not a remote builder (codebuild)");
    if (!m.codebuild)
        return common::fail(common::ErrorCode::usage,
                            "--remote codebuild: the manifest has no 'remote: {codebuild: "
                            "{project: ...}}'");
    return {};
}

bool plans_remote(const components::BuildPlan& plan) {
    for (std::size_t i = 0; i < plan.size(); ++i) {
        if (plan.at(i).runner == components::k_codebuild) return true;
    }
    return false;
}

common::Result<std::vector<std::optional<versioning::BuildRecord>>> adopt_orphans(
    const components::BuildPlan& plan, const std::vector<std::string>& hashes, bool reuse,
    Services& s, Observer& o) {
    auto orphans = s.store.orphaned_remote_builds();
    if (!orphans) return std::unexpected(orphans.error());
    std::vector<versioning::BuildRecord> unwanted;
    auto adopt = components::adoptable_builds(plan, hashes, *orphans, reuse, unwanted);
    for (const auto& b : unwanted) {
        auto client =
            s.codebuild ? s.codebuild(components::region_of(b.handle.remote_id)) : nullptr;
        if (client && components::stop_remote_builds(*client, {b}, s.store, s.clock.now()) == 1) {
            o.note(fmt::format("stopped {} build #{} of an interrupted run ({})", b.component,
                               b.build_number, b.handle.remote_id));
        } else {
            o.warning(fmt::format("could not stop {} build #{} of an interrupted run ({})",
                                  b.component, b.build_number, b.handle.remote_id));
        }
    }
    return adopt;
}

common::Result<std::unique_ptr<components::BuildRunner>> codebuild_runner(
    const components::Manifest& m, const std::string& commit, const std::string& region,
    Services& s) {
    if (auto ok = check_remote(m, "codebuild"); !ok) return std::unexpected(ok.error());
    if (!s.codebuild)
        return common::fail(common::ErrorCode::usage, "remote builds: no CodeBuild client here");
    components::CodeBuildRunnerOptions options;
    options.target = *m.codebuild;
    options.commit = commit;
    components::poll_timing_from_env(options);
    return components::make_codebuild_runner(
        s.codebuild(options.target.region.empty() ? region : options.target.region), options);
}

}  // namespace pipeline
