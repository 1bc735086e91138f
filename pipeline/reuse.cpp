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
        if (!there || !*there) {
            r.reset();
            continue;
        }
        r->image_checked = deploy::parse_ecr_uri(r->build.image_uri) && s.images;
    }
    return found;
}

common::Result<std::vector<ReuseHint>> reuse_hints(const AffectedRequest& r,
                                                   const AffectedOutcome& out,
                                                   const std::string& store_flag) {
    std::vector<std::string> names;
    for (const auto& c : out.selection.affected) {
        if (c.kind == components::ComponentKind::image) names.push_back(c.name);
    }
    if (names.empty()) return std::vector<ReuseHint>{};
    auto repo = diff::Repository::open(r.repo);
    if (!repo) return std::vector<ReuseHint>{};  // no repository: no tree to hash
    components::Manifest declared;
    declared.store = out.manifest_store;
    const std::string url = store_url(store_flag, &declared);
    auto store = versioning::open_store_read_only(url, repo->root().string());
    if (!store) return std::unexpected(store.error());
    if (!*store) return std::vector<ReuseHint>{};
    ProjectRequest request;
    request.repo = r.repo;
    request.manifest = r.manifest;
    request.head = r.diff.head;
    auto p = open_project(request);
    if (!p) return std::unexpected(p.error());
    auto planned = plan_builds(*p, names);
    if (!planned) return std::unexpected(planned.error());
    auto found = components::find_reusable_builds(planned->plan, planned->hashes, **store);
    if (!found) return std::unexpected(found.error());
    std::vector<ReuseHint> hints;
    for (const auto& f : *found) {
        if (f)
            hints.push_back(
                {f->build.component, f->build.build_number, f->built_by, f->build.image_uri});
    }
    return hints;
}

}  // namespace pipeline
