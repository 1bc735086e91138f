#pragma once
// Reuse across runners: a planned build whose input hash matches an earlier succeeded build
// (of any runner sharing the store: a laptop, CodeBuild, serve) takes that build's number and
// image instead of running -- after checking that the image is still there. An ECR image is
// looked up (DescribeImages by the recorded digest, else by tag): one deleted since, or in a
// repository that is gone, is rebuilt. Images elsewhere (another registry, an S3 package)
// are taken on trust. Only builds of trusted runs leave reuse entries behind
// (reuse_entries_from), so a pull request's build never becomes another branch's image.
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/builder.hpp"
#include "pipeline/affected.hpp"
#include "pipeline/builds.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/services.hpp"
#include "pipeline/trigger.hpp"

namespace pipeline {

/// Whether a run's builds become reuse entries for other runs (the lesson of Nx's cache
/// poisoning, CVE-2025-36852: an untrusted build must never become a trusted branch's image).
/// Never a pull request's build. When the manifest names trigger branches (environments'
/// trigger.branch, else their base branches), only a build of one of them: the branch the CI
/// system names, else `checked_out` (the repository's branch, "" when detached). When it
/// names none, every other build.
bool shares_builds(const components::Manifest& m, const Trigger& t, const std::string& checked_out);

/// What each planned build reuses (by plan index): the latest succeeded build with its input
/// hash whose image still exists. An image found gone is noted to `o` and rebuilt; an image
/// ECR cannot be asked about is rebuilt with a warning.
common::Result<std::vector<std::optional<components::Reusable>>> reusable_builds(
    const PlannedBuilds& builds, Services& s, Observer& o);

/// What a build of an affected component would reuse, for `affected --explain`.
struct ReuseHint {
    std::string component;
    std::int64_t build_number = 0;
    std::string built_by;  // "" when unknown
    std::string image_uri;
};

/// For `affected --explain`: the earlier build each affected component's build would reuse
/// (same input hash at the request's head), from the store `store_flag` (else
/// $SLIPWAY_STORE, the manifest's, the default) opened read-only. No store -- a SQLite file
/// that does not exist -- costs one stat and gives nothing. ECR is not asked (a build asks).
/// Errors: the store (unreachable, an older schema), git, an ignore file Docker refuses.
common::Result<std::vector<ReuseHint>> reuse_hints(const AffectedRequest& r,
                                                   const AffectedOutcome& out,
                                                   const std::string& store_flag);

}  // namespace pipeline
