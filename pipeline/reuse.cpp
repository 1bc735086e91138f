// See reuse.hpp.
#include "pipeline/reuse.hpp"

#include <fmt/format.h>

#include <set>

namespace pipeline {
namespace {

// Whether `b`'s image is still there; nullopt when that cannot be known (then it is rebuilt).
std::optional<bool> image_still_there(const versioning::BuildRecord& b, Services& s, Observer& o) {
    const auto image = deploy::parse_ecr_uri(b.image_uri);
    if (!image || !s.images) return true;  // not ECR: taken on trust
    auto registry = s.images(image->region);
    auto there = registry->image_exists(*image, b.image_digest);
    if (!there) {
        o.warning(fmt::format("{}: cannot check that {} is still in ECR, so it is built again: {}",
                              b.component, b.image_uri, there.error().message));
        return std::nullopt;
    }
    return *there;
}

}  // namespace

bool shares_builds(const components::Manifest& m, const Trigger& t,
                   const std::string& checked_out) {
    if (t.pull_request) return false;
    std::set<std::string> trusted;
    for (const auto& e : m.environments) {
        if (!e.trigger_branch.empty()) trusted.insert(e.trigger_branch);
    }
    if (trusted.empty()) {
        for (const auto& e : m.environments) {
            if (!e.base.empty()) trusted.insert(e.base);
        }
    }
    if (trusted.empty()) return true;
    return trusted.contains(t.branch.empty() ? checked_out : t.branch);
}

common::Result<std::vector<std::optional<components::Reusable>>> reusable_builds(
    const PlannedBuilds& builds, Services& s, Observer& o) {
    auto found = components::find_reusable_builds(builds.plan, builds.hashes, s.store);
    if (!found) return std::unexpected(found.error());
    for (auto& r : *found) {
        if (!r) continue;
        const auto there = image_still_there(r->build, s, o);
        if (there && !*there)
            o.note(
                fmt::format("{}: build #{} had the same inputs, but its image {} is no longer "
                            "in ECR: building again",
                            r->build.component, r->build.build_number, r->build.image_uri));
        if (!there || !*there) r.reset();
    }
    return found;
}

}  // namespace pipeline
