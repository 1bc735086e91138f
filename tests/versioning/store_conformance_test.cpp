// The conformance suite's cases. Every backend runs all of them unchanged.
#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "store_conformance.hpp"

namespace store_test {
namespace {

using versioning::BuildStatus;
using versioning::JobStatus;
using versioning::RunStatus;

TEST_P(StoreConformance, NumbersStartAtOneAndArePerComponent) {
    EXPECT_EQ(reserve("api").build_number, 1);
    EXPECT_EQ(reserve("api").build_number, 2);
    EXPECT_EQ(reserve("worker").build_number, 1);
    EXPECT_EQ(reserve("api").build_number, 3);
}

TEST_P(StoreConformance, ReservationRecordsAQueuedBuildWithItsImage) {
    auto b = reserve("api", "hash-1");
    EXPECT_EQ(b.image_uri, "repo:api-1");
    auto history = store->builds_of("api", 10);
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].status, BuildStatus::queued);
    EXPECT_EQ((*history)[0].image_uri, "repo:api-1");
    EXPECT_EQ((*history)[0].input_hash, "hash-1");
    EXPECT_EQ((*history)[0].log_path, "/logs/api.log");
    EXPECT_FALSE((*history)[0].finished_at);
}

TEST_P(StoreConformance, FinishingABuildRecordsItsOutcome) {
    reserve("api");
    ASSERT_TRUE(store->finish_build("api", 1, {BuildStatus::failed, 3, 2000}));
    auto b = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(b.status, BuildStatus::failed);
    EXPECT_EQ(b.exit_code, 3);
    EXPECT_EQ(b.finished_at, 2000);
}

TEST_P(StoreConformance, AStartedBuildRunsFromItsStartTime) {
    reserve("api");
    ASSERT_TRUE(store->start_build("api", 1, 1500, {}));
    auto b = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(b.status, BuildStatus::running);
    EXPECT_EQ(b.started_at, 1500);
    ASSERT_TRUE(store->finish_build("api", 1, {BuildStatus::succeeded, 0, 2000}));
    // A late start does not bring an ended build back to life.
    ASSERT_TRUE(store->start_build("api", 1, 1600, {}));
    b = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(b.status, BuildStatus::succeeded);
    EXPECT_EQ(b.started_at, 1500);
}

TEST_P(StoreConformance, AnEndCanCarryTheStartItWasNotToldOfSeparately) {
    reserve("api");
    reserve("worker");
    ASSERT_TRUE(store->finish_build("api", 1, {BuildStatus::succeeded, 0, 2000, 1700}));
    ASSERT_TRUE(store->finish_build("worker", 1, {BuildStatus::cancelled, {}, 2000}));
    auto api = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(api.started_at, 1700);
    EXPECT_EQ(api.finished_at, 2000);
    auto worker = (*store->builds_of("worker", 1))[0];
    EXPECT_EQ(worker.status, BuildStatus::cancelled);
    EXPECT_EQ(worker.started_at, 1000);  // the reservation's time, kept
}

TEST_P(StoreConformance, ABatchRunsItsWrites) {
    reserve("api");
    ASSERT_TRUE(store->batch([&]() -> common::Result<void> {
        if (auto ok = store->finish_build("api", 1, {BuildStatus::succeeded, 0, 2000}); !ok)
            return ok;
        auto next = store->reserve_build({"api", "c", "h", "run", 2100, ""},
                                         [](auto n) { return "repo:api-" + std::to_string(n); });
        if (!next) return std::unexpected(next.error());
        return {};
    }));
    auto history = *store->builds_of("api", 10);
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].build_number, 2);
    EXPECT_EQ(history[0].status, BuildStatus::queued);
    EXPECT_EQ(history[1].status, BuildStatus::succeeded);
}

TEST_P(StoreConformance, PeekDoesNotReserve) {
    EXPECT_EQ(*store->peek_next_number("api"), 1);
    reserve("api");
    EXPECT_EQ(*store->peek_next_number("api"), 2);
    EXPECT_EQ(*store->peek_next_number("api"), 2);
    EXPECT_EQ(reserve("api").build_number, 2);
}

TEST_P(StoreConformance, ReuseFindsTheLatestSucceededBuildWithTheSameHash) {
    reserve("api", "same");
    store->finish_build("api", 1, {BuildStatus::succeeded, 0, 1100});
    reserve("api", "same");
    store->finish_build("api", 2, {BuildStatus::failed, 1, 1200});
    reserve("api", "other");
    store->finish_build("api", 3, {BuildStatus::succeeded, 0, 1300});
    auto found = store->find_reusable("api", "same");
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->build_number, 1);
    EXPECT_FALSE(*store->find_reusable("api", "never"));
    EXPECT_FALSE(*store->find_reusable("worker", "same"));
}

TEST_P(StoreConformance, ReusedAndSkippedBuildsAreRecordedWithoutTakingNumbers) {
    auto b = reserve("api", "same");
    store->finish_build("api", 1, {BuildStatus::succeeded, 0, 1100});
    auto reused = b;
    reused.status = BuildStatus::reused;
    reused.run_id = "run-2";
    ASSERT_TRUE(store->record_build(reused));
    versioning::BuildRecord skipped{"worker", 0,    "c0ffee", "h", "",     BuildStatus::skipped,
                                    {},       1500, 1500,     "",  "run-2"};
    ASSERT_TRUE(store->record_build(skipped));
    ASSERT_TRUE(store->record_build(skipped));
    EXPECT_EQ(reserve("api").build_number, 2);
    EXPECT_EQ(reserve("worker").build_number, 1);
    auto history = *store->builds_of("api", 10);
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[1].status, BuildStatus::reused);
    EXPECT_EQ(history[1].build_number, 1);
    EXPECT_EQ(history[1].image_uri, "repo:api-1");
}

TEST_P(StoreConformance, HistoryIsNewestFirstAndLimited) {
    for (int i = 0; i < 5; ++i) reserve("api");
    auto history = *store->builds_of("api", 3);
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[0].build_number, 5);
    EXPECT_EQ(history[2].build_number, 3);
}

TEST_P(StoreConformance, LatestBuildOfEveryComponent) {
    reserve("b"), reserve("a"), reserve("b");
    auto latest = *store->latest_builds();
    ASSERT_EQ(latest.size(), 2u);
    EXPECT_EQ(latest[0].component, "a");
    EXPECT_EQ(latest[1].build_number, 2);
    EXPECT_EQ(*store->known_components(), (std::vector<std::string>{"a", "b"}));
}

// The scheduler's weights: how long each component's latest build took, only where that
// build succeeded (not a failure, not a reuse, not a build without a number).
TEST_P(StoreConformance, LatestDurationsAreOfLatestBuildsThatSucceeded) {
    using versioning::BuildStatus;
    reserve("api", "h", "run-1", 1000);
    ASSERT_TRUE(store->finish_build("api", 1, {BuildStatus::succeeded, 0, 1600}));
    reserve("api", "h", "run-2", 2000);
    ASSERT_TRUE(store->finish_build("api", 2, {BuildStatus::succeeded, 0, 2250}));
    reserve("web", "h", "run-1", 1000);
    ASSERT_TRUE(store->finish_build("web", 1, {BuildStatus::failed, 1, 1900}));
    reserve("lib", "h", "run-1", 1000);
    ASSERT_TRUE(store->finish_build("lib", 1, {BuildStatus::succeeded, 0, 1100}));
    ASSERT_TRUE(store->record_build(
        {"lib", 1, "c", "h", "repo:lib-1", BuildStatus::reused, {}, 3000, 3000, "", "run-3"}));
    ASSERT_TRUE(store->record_build(
        {"new", 0, "c", "h", "", BuildStatus::skipped, {}, 3000, 3000, "", "run-3"}));
    reserve("queued");
    auto durations = store->latest_durations();
    ASSERT_TRUE(durations) << durations.error().message;
    std::sort(durations->begin(), durations->end());
    EXPECT_EQ(*durations, (std::vector<std::pair<std::string, versioning::Millis>>{{"api", 250}}));
}

TEST_P(StoreConformance, DiffsPerCommitAndComponent) {
    ASSERT_TRUE(store->record_diffs({{"c1", "api", {"svc/api/a.py", "odd\nname"}},
                                     {"c1", "lib", {"lib/x"}},
                                     {"c2", "api", {"svc/api/b.py"}}}));
    auto d = *store->diffs_of("c1");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].component, "api");
    EXPECT_EQ(d[0].paths, (std::vector<std::string>{"svc/api/a.py", "odd\nname"}));
    ASSERT_TRUE(store->record_diffs({{"c1", "api", {"replaced"}}}));
    EXPECT_EQ((*store->diffs_of("c1"))[0].paths, std::vector<std::string>{"replaced"});
    EXPECT_TRUE(store->diffs_of("unknown")->empty());
}

TEST_P(StoreConformance, DeploymentsAndTheCurrentStateOfEachEnvironment) {
    versioning::DeploymentRecord first{
        0,
        "test",
        "stack-test",
        "c1",
        "succeeded",
        10,
        20,
        "cs-1",
        "run-1",
        {{"api", 1, "repo:api-1", true}, {"worker", 1, "repo:worker-1", true}}};
    auto id1 = store->record_deployment(first);
    ASSERT_TRUE(id1) << id1.error().message;
    auto failed = first;
    failed.status = "failed";
    failed.images = {{"api", 2, "repo:api-2", true}, {"worker", 1, "repo:worker-1", false}};
    ASSERT_TRUE(store->record_deployment(failed));
    auto prod = first;
    prod.env = "prod";
    prod.stack = "stack-prod";
    ASSERT_TRUE(store->record_deployment(prod));

    auto current = *store->current_deployments("");
    ASSERT_EQ(current.size(), 2u);
    EXPECT_EQ(current[1].env, "test");
    EXPECT_EQ(current[1].id, *id1);  // the failed attempt did not change the current state
    EXPECT_EQ(current[1].images[0].image_uri, "repo:api-1");
    EXPECT_EQ(store->current_deployments("prod")->size(), 1u);

    auto api = *store->deployments_of("api", "", 10);
    ASSERT_EQ(api.size(), 3u);
    EXPECT_EQ(api[0].env, "prod");
    EXPECT_EQ(api[1].status, "failed");
    EXPECT_EQ(store->deployments_of("api", "test", 10)->size(), 2u);
}

TEST_P(StoreConformance, DeploymentsByIdAndPerEnvironmentKeepKindSourceAndReason) {
    versioning::DeploymentRecord d{
        0,    "test", "stack-test", "abc1",  "succeeded",
        1000, 2000,   "cs-1",       "run-1", {{"api", 3, "repo:api-3", false}}};
    d.kind = "promote";
    d.source = "dev#4";
    auto id = *store->record_deployment(d);
    auto failed = d;
    failed.status = "failed";
    failed.kind = "deploy";
    failed.reason = "UPDATE_ROLLBACK_COMPLETE: Api CREATE_FAILED";
    auto id2 = *store->record_deployment(failed);

    auto got = *store->deployment(id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, "promote");
    EXPECT_EQ(got->source, "dev#4");
    ASSERT_EQ(got->images.size(), 1u);
    EXPECT_EQ(got->images[0].build_number, 3);
    EXPECT_FALSE(*store->deployment(id2 + 100));

    auto all = *store->deployments_in("test", 10);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, id2);
    EXPECT_EQ(all[0].reason, "UPDATE_ROLLBACK_COMPLETE: Api CREATE_FAILED");
    EXPECT_EQ(all[1].images[0].image_uri, "repo:api-3");
    EXPECT_EQ(store->deployments_in("test", 1)->size(), 1u);
    EXPECT_EQ(store->deployments_of("api", "test", 10)->at(1).kind, "promote");
}

// What a deployment runs (docs/deploy.md, "What counts as deployed"): each image's own
// commit (empty: unknown), the template's commit and hash, and every parameter, kept by every
// read -- by id, the current one, the pending ones, and one component's history and pages.
TEST_P(StoreConformance, DeploymentsKeepEachImagesCommitTheTemplateAndEveryParameter) {
    versioning::DeploymentRecord d{0,
                                   "test",
                                   "stack-test",
                                   "c1",
                                   "pending",
                                   1000,
                                   {},
                                   "cs-1",
                                   "run-1",
                                   {{"api", 3, "repo:api-3", true, "ApiImage", "c1"},
                                    {"web", 0, "ext/web:hotfix", true, "WebImage", ""}}};
    d.template_commit = "c9";
    d.template_hash = "sha256:abc";
    d.parameters = {{"ApiImage", "repo:api-3"},
                    {"WebImage", "ext/web:hotfix"},
                    {"Secret", "****"},
                    {"Stage", "test \"quoted\""}};
    const auto id = *store->record_deployment(d);
    auto check = [&](const versioning::DeploymentRecord& got) {
        EXPECT_EQ(got.template_commit, "c9");
        EXPECT_EQ(got.template_hash, "sha256:abc");
        EXPECT_EQ(got.parameters, d.parameters);
        ASSERT_EQ(got.images.size(), 2u);
        EXPECT_EQ(got.images[0].commit, "c1");
        EXPECT_EQ(got.images[1].commit, "");
    };
    check(store->pending_deployments("test")->at(0));
    ASSERT_TRUE(*store->finish_deployment(id, "succeeded", 2000, ""));
    check(store->deployment(id)->value());
    check(store->current_deployments("test")->at(0));
    check(store->deployments_in("test", 5)->at(0));
    EXPECT_EQ(store->deployments_of("api", "test", 5)->at(0).commit, "c1");
    EXPECT_EQ(store->deployments_of("web", "", 5)->at(0).commit, "");
    EXPECT_EQ(store->deployment_page("api", "test", "", 5)->items.at(0).commit, "c1");
}

// Deploy intent: a pending deployment is written before its change set executes, is not the
// environment's current state until it is finished as succeeded, and is finished once only.
TEST_P(StoreConformance, PendingDeploymentsAreFinishedOnceAndOnlySuccessIsCurrent) {
    versioning::DeploymentRecord first{
        0,    "test", "stack-test", "c1",    "succeeded",
        1000, 2000,   "cs-1",       "run-1", {{"api", 1, "repo:api-1", true, "ApiImage"}}};
    first.actor = "alice@laptop";
    const auto id1 = *store->record_deployment(first);
    versioning::DeploymentRecord pending = first;
    pending.status = versioning::deployment_status::pending;
    pending.finished_at.reset();
    pending.commit = "c2";
    pending.change_set = "arn:cs-2";
    pending.client_token = "slipway-exec-2";
    pending.images = {{"api", 2, "repo:api-2", true, "ApiImage"}};
    const auto id2 = *store->record_deployment(pending);
    auto other = pending;
    other.env = "prod";
    other.executed_by = "codepipeline";
    other.client_token = "";
    const auto id3 = *store->record_deployment(other);

    EXPECT_EQ(store->current_deployments("test")->front().id, id1);  // pending is not current
    auto listed = *store->pending_deployments("test");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].id, id2);
    EXPECT_EQ(listed[0].client_token, "slipway-exec-2");
    EXPECT_EQ(listed[0].change_set, "arn:cs-2");
    EXPECT_EQ(listed[0].actor, "alice@laptop");
    EXPECT_EQ(listed[0].executed_by, "slipway");
    ASSERT_EQ(listed[0].images.size(), 1u);
    EXPECT_EQ(listed[0].images[0].parameter, "ApiImage");
    EXPECT_FALSE(listed[0].finished_at);
    auto all = *store->pending_deployments("");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].id, id3);
    EXPECT_EQ(all[1].executed_by, "codepipeline");
    EXPECT_EQ(store->deployments_of("api", "test", 10)->front().status, "pending");

    EXPECT_EQ(store->finish_deployment(id2, "succeeded", 5000, ""), true);
    EXPECT_EQ(store->finish_deployment(id2, "failed", 6000, "late"), false);  // ended already
    EXPECT_TRUE(store->pending_deployments("test")->empty());
    auto current = store->current_deployments("test")->front();
    EXPECT_EQ(current.id, id2);
    EXPECT_EQ(current.finished_at, 5000);
    EXPECT_EQ(current.images[0].image_uri, "repo:api-2");
    auto history = *store->deployments_of("api", "test", 10);
    EXPECT_EQ(history.front().status, "succeeded");
    EXPECT_EQ(history.front().actor, "alice@laptop");
    EXPECT_EQ(history.front().started_at, 1000);

    EXPECT_EQ(store->finish_deployment(id3, "superseded", 7000, "never confirmed"), true);
    EXPECT_TRUE(store->current_deployments("prod")->empty());
    EXPECT_EQ(store->deployment(id3)->value().status, "superseded");
    EXPECT_EQ(store->deployment(id3)->value().reason, "never confirmed");
    EXPECT_EQ(store->finish_deployment(id3 + 100, "succeeded", 7000, ""), false);
}

// An older pending deployment confirmed after a later one succeeded does not become current.
TEST_P(StoreConformance, AnOlderConfirmationDoesNotReplaceALaterCurrentDeployment) {
    versioning::DeploymentRecord older{
        0,    "test", "stack-test", "c1",    "pending",
        1000, {},     "cs-1",       "run-1", {{"api", 1, "repo:api-1", true, "ApiImage"}}};
    const auto id1 = *store->record_deployment(older);
    auto later = older;
    later.status = "succeeded";
    later.finished_at = 3000;
    later.images[0].image_uri = "repo:api-2";
    const auto id2 = *store->record_deployment(later);
    ASSERT_TRUE(store->finish_deployment(id1, "succeeded", 4000, ""));
    EXPECT_EQ(store->current_deployments("test")->front().id, id2);
}

// Environments of several stacks: the current state is the latest succeeded deployment of
// each (stack, region, account); a pending one, and a later failure, leave it as it was.
TEST_P(StoreConformance, EachStackInEachPlaceHasItsOwnCurrentDeployment) {
    versioning::DeploymentRecord d{0,    "prod", "net", "c1",    "succeeded",
                                   1000, 2000,   "cs",  "run-1", {}};
    d.region = "us-east-1";
    const auto net_us = *store->record_deployment(d);
    d.region = "eu-west-1";
    d.scope = "region eu-west-1";
    const auto net_eu = *store->record_deployment(d);
    d.stack = "svc";
    d.account = "111111111111";
    d.images = {{"api", 1, "repo:api-1", true, "ApiImage"}};
    const auto svc_eu = *store->record_deployment(d);
    d.status = "failed";
    ASSERT_TRUE(store->record_deployment(d));
    d.status = "pending";
    const auto pending = *store->record_deployment(d);
    auto current = *store->current_deployments("prod");
    ASSERT_EQ(current.size(), 3u);
    std::set<std::int64_t> ids;
    for (const auto& c : current) ids.insert(c.id);
    EXPECT_EQ(ids, (std::set<std::int64_t>{net_us, net_eu, svc_eu}));
    auto svc = *store->deployment(svc_eu);
    ASSERT_TRUE(svc);
    EXPECT_EQ(svc->region, "eu-west-1");
    EXPECT_EQ(svc->account, "111111111111");
    EXPECT_EQ(svc->scope, "region eu-west-1");
    ASSERT_TRUE(store->finish_deployment(pending, "succeeded", 5000, ""));
    ids.clear();
    const auto after = *store->current_deployments("prod");  // kept: the loop reads into it
    for (const auto& c : after) ids.insert(c.id);
    EXPECT_EQ(ids, (std::set<std::int64_t>{net_us, net_eu, pending}));
    EXPECT_EQ(store->deployments_in("prod", 10)->front().account, "111111111111");
}

TEST_P(StoreConformance, RunsKeepTheirKindAndActor) {
    versioning::RunRecord r{"run-p", "cli", "",       "c1", "prod", RunStatus::running,
                            100,     {},    "host-a", 1,    1};
    r.kind = "promote";
    r.actor = "github:octocat";
    ASSERT_TRUE(store->begin_run(r));
    ASSERT_TRUE(store->finish_run("run-p", RunStatus::busy, 200, ""));
    auto runs = *store->runs("prod", 5);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].kind, "promote");
    EXPECT_EQ(runs[0].actor, "github:octocat");
    EXPECT_EQ(runs[0].status, RunStatus::busy);
}

TEST_P(StoreConformance, LocksAreExclusiveRenewableAndExpire) {
    auto a = *store->acquire_lock("deploy/test", "runner-a", 1000, 500);
    EXPECT_EQ(a.owner, "runner-a");
    EXPECT_EQ(a.expires_at, 1500);
    auto b = *store->acquire_lock("deploy/test", "runner-b", 1200, 500);
    EXPECT_EQ(b.owner, "runner-a");  // held: b is told who holds it
    EXPECT_EQ(store->acquire_lock("deploy/prod", "runner-b", 1200, 500)->owner, "runner-b");
    auto renewed = *store->acquire_lock("deploy/test", "runner-a", 1400, 500);
    EXPECT_EQ(renewed.owner, "runner-a");
    EXPECT_EQ(renewed.acquired_at, 1000);
    EXPECT_EQ(renewed.expires_at, 1900);
    auto expired = *store->acquire_lock("deploy/test", "runner-b", 1900, 500);
    EXPECT_EQ(expired.owner, "runner-b");  // a crashed holder's lease runs out
    EXPECT_EQ(expired.acquired_at, 1900);
    ASSERT_TRUE(store->release_lock("deploy/test", "runner-a"));  // not a's any more: no-op
    EXPECT_EQ(store->acquire_lock("deploy/test", "runner-a", 2000, 500)->owner, "runner-b");
    ASSERT_TRUE(store->release_lock("deploy/test", "runner-b"));
    EXPECT_EQ(store->acquire_lock("deploy/test", "runner-a", 2000, 500)->owner, "runner-a");
}

TEST_P(StoreConformance, RunsAndRecoveryOfInterruptedOnes) {
    versioning::RunRecord dead{"run-dead", "cli", "main",   "HEAD", "", RunStatus::running,
                               100,        {},    "host-a", 111,    1};
    versioning::RunRecord alive = dead;
    alive.id = "run-alive", alive.pid = 222;
    versioning::RunRecord elsewhere = dead;
    elsewhere.id = "run-elsewhere", elsewhere.host = "host-b";
    for (const auto& r : {dead, alive, elsewhere}) ASSERT_TRUE(store->begin_run(r));
    reserve("api", "h", "run-dead");
    ASSERT_TRUE(store->start_build("api", 1, 1100, {4242, 77, ""}));
    reserve("worker", "h", "run-dead");  // queued, never started
    reserve("api", "h", "run-alive");
    reserve("api", "h", "run-elsewhere");
    std::vector<versioning::BuildRecord> orphans;
    auto marked = store->recover_interrupted(
        "host-a", 5000, [](std::int64_t pid, std::int64_t) { return pid == 222; },
        [&](const versioning::BuildRecord& b) { orphans.push_back(b); });
    ASSERT_TRUE(marked);
    EXPECT_EQ(*marked, 1u);
    ASSERT_EQ(orphans.size(), 1u);  // the started build, with its process group
    EXPECT_EQ(orphans[0].component, "api");
    EXPECT_EQ(orphans[0].handle.pgid, 4242);
    EXPECT_EQ(orphans[0].handle.pgid_start, 77);
    auto history = *store->builds_of("api", 10);
    EXPECT_EQ(history[2].status, BuildStatus::interrupted);  // run-dead's build
    EXPECT_EQ(history[2].finished_at, 5000);
    EXPECT_EQ(history[2].handle.pgid, 4242);
    EXPECT_EQ(history[1].status, BuildStatus::queued);
    EXPECT_EQ(history[0].status, BuildStatus::queued);
    EXPECT_EQ((*store->builds_of("worker", 1))[0].status, BuildStatus::interrupted);
    EXPECT_EQ(*store->recover_interrupted(
                  "host-a", 6000, [](auto, auto) { return true; },
                  [](const auto&) { FAIL() << "no orphan left"; }),
              0u);
    // A new reservation never reuses the interrupted number.
    EXPECT_EQ(reserve("api").build_number, 4);
    ASSERT_TRUE(store->finish_run("run-alive", RunStatus::succeeded, 7000, "{}"));
}

// A remote build of a killed run goes on remotely: recovery leaves it running and the next
// run finds it (and only it), awaits it and records its end, which takes it off the list.
TEST_P(StoreConformance, RemoteBuildsOfAnInterruptedRunWaitForTheNextRun) {
    versioning::RunRecord dead{"run-dead", "cli", "main",   "HEAD", "", RunStatus::running,
                               100,        {},    "host-a", 111,    1};
    versioning::RunRecord alive = dead;
    alive.id = "run-alive", alive.pid = 222;
    for (const auto& r : {dead, alive}) ASSERT_TRUE(store->begin_run(r));
    const std::string arn = "arn:aws:codebuild:us-east-1:123456789012:build/p:1";
    reserve("api", "h1", "run-dead");
    ASSERT_TRUE(store->start_build("api", 1, 1100, {0, 0, arn}));
    reserve("worker", "h2", "run-alive");
    ASSERT_TRUE(store->start_build("worker", 1, 1200, {0, 0, arn + "2"}));
    EXPECT_TRUE(store->orphaned_remote_builds()->empty());  // both runs still run
    auto marked = store->recover_interrupted(
        "host-a", 5000, [](std::int64_t pid, std::int64_t) { return pid == 222; },
        [](const auto&) { FAIL() << "a remote build has no process group here"; });
    EXPECT_EQ(*marked, 1u);
    auto orphans = *store->orphaned_remote_builds();
    ASSERT_EQ(orphans.size(), 1u);
    EXPECT_EQ(orphans[0].component, "api");
    EXPECT_EQ(orphans[0].status, BuildStatus::running);
    EXPECT_EQ(orphans[0].handle.remote_id, arn);
    EXPECT_EQ(orphans[0].input_hash, "h1");
    versioning::BuildEnd end{BuildStatus::succeeded, 0, 9000};
    end.image_digest = "sha256:abc";
    ASSERT_TRUE(store->finish_build("api", 1, end));
    EXPECT_TRUE(store->orphaned_remote_builds()->empty());
    auto api = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(api.status, BuildStatus::succeeded);
    EXPECT_EQ(api.image_digest, "sha256:abc");
    EXPECT_EQ(api.handle.remote_id, arn);
}

TEST_P(StoreConformance, RunsAreListedPerEnvironmentNewestFirstWithTheirReport) {
    versioning::RunRecord first{"20261122T010000-aaaaaa",
                                "codebuild:ml:1",
                                "test",
                                "c1",
                                "test",
                                RunStatus::running,
                                100,
                                {},
                                "host-a",
                                111,
                                1};
    first.base_reason = "environment base branch 'test'";
    versioning::RunRecord second = first;
    second.id = "20261122T020000-bbbbbb", second.base = "c1", second.head = "c2";
    second.started_at = 200;
    second.base_reason = "last succeeded deployment #1";
    versioning::RunRecord other = first;
    other.id = "20261122T030000-cccccc", other.env = "prod", other.started_at = 300;
    for (const auto& r : {first, second, other}) ASSERT_TRUE(store->begin_run(r));
    ASSERT_TRUE(store->finish_run(first.id, RunStatus::succeeded, 900, R"({"result":"deployed"})"));
    ASSERT_TRUE(store->finish_run(second.id, RunStatus::failed, 950, R"({"result":"failed"})"));

    auto test_runs = store->runs("test", 10);
    ASSERT_TRUE(test_runs) << test_runs.error().message;
    ASSERT_EQ(test_runs->size(), 2u);
    EXPECT_EQ((*test_runs)[0].id, second.id);
    EXPECT_EQ((*test_runs)[0].status, RunStatus::failed);
    EXPECT_EQ((*test_runs)[0].base_reason, "last succeeded deployment #1");
    EXPECT_EQ((*test_runs)[0].report, R"({"result":"failed"})");
    EXPECT_EQ((*test_runs)[1].id, first.id);
    EXPECT_EQ((*test_runs)[1].trigger, "codebuild:ml:1");
    EXPECT_EQ((*test_runs)[1].finished_at, 900);
    auto all = store->runs("", 2);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].id, other.id);
    EXPECT_EQ((*all)[0].status, RunStatus::running);
    EXPECT_FALSE((*all)[0].finished_at);
}

// Pages: newest first, a cursor to the next page, the same items as the unpaged listing.
TEST_P(StoreConformance, BuildsDeploymentsAndRunsComeInPages) {
    for (int i = 0; i < 5; ++i) reserve("api");
    auto first = *store->build_page("api", "", 2);
    ASSERT_EQ(first.items.size(), 2u);
    EXPECT_EQ(first.items[0].build_number, 5);
    EXPECT_EQ(first.items[1].build_number, 4);
    ASSERT_FALSE(first.next.empty());
    auto second = *store->build_page("api", first.next, 2);
    ASSERT_EQ(second.items.size(), 2u);
    EXPECT_EQ(second.items[0].build_number, 3);
    auto last = *store->build_page("api", second.next, 2);
    ASSERT_EQ(last.items.size(), 1u);
    EXPECT_EQ(last.items[0].build_number, 1);
    EXPECT_TRUE(last.next.empty());
    EXPECT_TRUE(store->build_page("nothing", "", 5)->items.empty());

    for (int i = 1; i <= 3; ++i) {
        versioning::DeploymentRecord d{
            0,           i == 2 ? "prod" : "test",
            "s",         "c",
            "succeeded", 1000L * i,
            2000L * i,   "cs",
            "run-d",     {{"api", i, "repo:api-" + std::to_string(i), true, "A"}}};
        ASSERT_TRUE(store->record_deployment(d));
    }
    auto deployments = *store->deployment_page("api", "", "", 2);
    ASSERT_EQ(deployments.items.size(), 2u);
    EXPECT_EQ(deployments.items[0].build_number, 3);
    auto rest = *store->deployment_page("api", "", deployments.next, 2);
    ASSERT_EQ(rest.items.size(), 1u);
    EXPECT_EQ(rest.items[0].build_number, 1);
    EXPECT_TRUE(rest.next.empty());
    EXPECT_EQ(store->deployment_page("api", "test", "", 5)->items.size(), 2u);

    for (int i = 0; i < 3; ++i) {
        versioning::RunRecord r{"run-" + std::to_string(i),
                                "cli",
                                "",
                                "c",
                                i == 1 ? "prod" : "test",
                                RunStatus::running,
                                100 + i,
                                {},
                                "h",
                                1,
                                1};
        ASSERT_TRUE(store->begin_run(r));
    }
    auto runs = *store->run_page("", "", 2);
    ASSERT_EQ(runs.items.size(), 2u);
    EXPECT_EQ(runs.items[0].id, "run-2");
    auto more = *store->run_page("", runs.next, 2);
    ASSERT_EQ(more.items.size(), 1u);
    EXPECT_EQ(more.items[0].id, "run-0");
    EXPECT_EQ(store->run_page("test", "", 5)->items.size(), 2u);
    auto one = *store->run("run-1");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->env, "prod");
    EXPECT_FALSE(*store->run("run-9"));
}

// A cursor names the last item shown: what is recorded meanwhile (newer) never shifts the
// next page, so paging shows every item once.
TEST_P(StoreConformance, PagesDoNotShiftWhenNewerItemsArrive) {
    for (int i = 0; i < 5; ++i) reserve("api");
    auto first = *store->build_page("api", "", 2);
    for (int i = 0; i < 3; ++i) reserve("api");
    auto second = *store->build_page("api", first.next, 2);
    ASSERT_EQ(second.items.size(), 2u);
    EXPECT_EQ(second.items[0].build_number, 3);
    EXPECT_EQ(second.items[1].build_number, 2);
    auto last = *store->build_page("api", second.next, 2);
    ASSERT_EQ(last.items.size(), 1u);
    EXPECT_EQ(last.items[0].build_number, 1);
    EXPECT_TRUE(last.next.empty());

    auto deploy = [&](int i) {
        versioning::DeploymentRecord d{
            0,         "test", "s",  "c",     "succeeded",
            1000L * i, {},     "cs", "run-d", {{"api", i, "repo:api", true, "A"}}};
        ASSERT_TRUE(store->record_deployment(d));
    };
    for (int i = 1; i <= 3; ++i) deploy(i);
    auto deployments = *store->deployment_page("api", "test", "", 2);
    deploy(4);
    auto rest = *store->deployment_page("api", "test", deployments.next, 2);
    ASSERT_EQ(rest.items.size(), 1u);
    EXPECT_EQ(rest.items[0].build_number, 1);

    auto begin = [&](const std::string& id, versioning::Millis at) {
        ASSERT_TRUE(store->begin_run(
            {id, "cli", "", "c", "test", versioning::RunStatus::running, at, {}, "h", 1, 1}));
    };
    for (int i = 0; i < 3; ++i) begin("run-" + std::to_string(i), 100 + i);
    auto runs = *store->run_page("test", "", 2);
    begin("run-late", 500);
    auto more = *store->run_page("test", runs.next, 2);
    ASSERT_EQ(more.items.size(), 1u);
    EXPECT_EQ(more.items[0].id, "run-0");
    EXPECT_TRUE(more.next.empty());
}

TEST_P(StoreConformance, TheBuildsOfARunAndAnInterruptedRun) {
    versioning::RunRecord r{"run-x", "cli", "",  "c", "test", RunStatus::running,
                            100,     {},    "h", 1,   1};
    ASSERT_TRUE(store->begin_run(r));
    reserve("web", "h", "run-x");
    reserve("api", "h", "run-x");
    reserve("api", "h", "other-run");
    auto builds = *store->builds_of_run("run-x");
    ASSERT_EQ(builds.size(), 2u);
    EXPECT_EQ(builds[0].component, "api");
    EXPECT_EQ(builds[1].component, "web");
    ASSERT_TRUE(store->interrupt_run("run-x", 500));
    EXPECT_EQ(store->run("run-x")->value().status, RunStatus::interrupted);
    EXPECT_EQ(store->builds_of_run("run-x")->front().status, BuildStatus::interrupted);
    EXPECT_EQ(store->builds_of("api", 1)->front().status, BuildStatus::queued);  // other run's
}

TEST_P(StoreConformance, ADeliveryIsStoredOnce) {
    versioning::DeliveryRecord d{"github", "d-1",  1000, "push", "refs/heads/dev",
                                 "c1",     "octo", "",   "",     0};
    EXPECT_EQ(store->record_delivery(d), true);
    // Not taken yet (no result): an intake that failed half-way outside a transaction leaves
    // it so, and its redelivery (received later) takes it again -- listed once.
    auto again = d;
    again.received_at = 1500;
    EXPECT_EQ(store->record_delivery(again), true);
    auto once = store->deliveries(10);
    ASSERT_TRUE(once) << once.error().message;
    ASSERT_EQ(once->size(), 1u);
    EXPECT_EQ(once->front().received_at, 1500);
    ASSERT_TRUE(store->set_delivery_result("github", "d-1", "queued", "", 7));
    EXPECT_EQ(store->record_delivery(d), false);  // redelivered once taken: nothing new
    auto other = d;
    other.source = "sqs";
    EXPECT_EQ(store->record_delivery(other), true);  // same id from another source
    ASSERT_TRUE(store->set_delivery_result("github", "d-1", "queued", "", 7));
    auto second = d;
    second.id = "d-2", second.received_at = 2000;
    ASSERT_TRUE(store->record_delivery(second));
    auto listed = *store->deliveries(10);
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[0].id, "d-2");
    auto first = std::find_if(listed.begin(), listed.end(),
                              [](auto& x) { return x.source == "github" && x.id == "d-1"; });
    ASSERT_NE(first, listed.end());
    EXPECT_EQ(first->result, "queued");
    EXPECT_EQ(first->job_id, 7);
    EXPECT_EQ(first->ref, "refs/heads/dev");
}

versioning::JobRecord job(const std::string& env, const std::string& head, versioning::Millis at) {
    versioning::JobRecord j;
    j.env = env;
    j.branch = "dev";
    j.head = head;
    j.trigger = "github:" + head;
    j.actor = "octo";
    j.created_at = at;
    return j;
}

// What the service does with a delivery (service/intake.cpp): stores it, queues its job and
// records the result, in one batch; `between` runs between storing and queueing. Returns the
// result ("queued", "dropped", "duplicate").
common::Result<std::string> take(versioning::VersionStore& s, const versioning::DeliveryRecord& d,
                                 const versioning::JobRecord& j,
                                 const std::function<void()>& between = {}) {
    std::string result;
    auto taken = s.batch([&]() -> common::Result<void> {
        auto first = s.record_delivery(d);
        if (!first) return std::unexpected(first.error());
        if (!*first) {
            result = "duplicate";
            return {};
        }
        if (between) between();
        auto queued = s.enqueue_job(j);
        if (!queued) return std::unexpected(queued.error());
        result = queued->status == JobStatus::dropped ? "dropped" : "queued";
        return s.set_delivery_result(d.source, d.id, result, queued->reason, queued->id);
    });
    if (!taken) return std::unexpected(taken.error());
    return result;
}

// GitHub redelivers a delivery while the first attempt is still queueing its job (a slow
// store, two replicas behind a load balancer): one of them takes it, the other finds it taken.
// Exactly one job, and no second one stored `dropped`. (On DynamoDB the delivery was stored on
// its own first, the redelivery took it too as it had no result yet, and queued the job
// again: the queue dropped the second.)
TEST_P(StoreConformance, ARedeliveryRacingTheFirstQueuesOneJob) {
    auto replica = another();
    ASSERT_TRUE(replica);
    const versioning::DeliveryRecord d{"github", "d-race", 1000, "push", "refs/heads/dev",
                                       "c1",     "octo",   "",   "",     0};
    std::atomic<bool> entered{false}, done{false};
    common::Result<std::string> second = std::string();
    std::thread redelivery;
    auto first = take(*store, d, job("test", "c1", 1000), [&] {
        if (redelivery.joinable()) return;  // only on the first attempt
        redelivery = std::thread([&] {
            second = take(*replica, d, job("test", "c1", 1001), [&] { entered = true; });
            done = true;
        });
        // The redelivery runs through while this one is between its writes, or (SQLite: it
        // waits for the write lock this one holds) does not start them.
        const auto start = std::chrono::steady_clock::now();
        while (!done) {
            const auto waited = std::chrono::steady_clock::now() - start;
            if ((!entered && waited > std::chrono::milliseconds(300)) ||
                waited > std::chrono::seconds(10))
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    if (redelivery.joinable()) redelivery.join();
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(second) << second.error().message;
    std::multiset<std::string> results{*first, *second};
    EXPECT_EQ(results, (std::multiset<std::string>{"duplicate", "queued"}));
    auto jobs = *store->jobs("", 10);
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].status, JobStatus::pending);
    auto deliveries = *store->deliveries(10);
    ASSERT_EQ(deliveries.size(), 1u);
    EXPECT_EQ(deliveries[0].result, "queued");
    EXPECT_EQ(deliveries[0].job_id, jobs[0].id);
}

// A delivery whose job could not be stored leaves nothing: no delivery (its redelivery takes
// it whole), no job, no job id used up.
TEST_P(StoreConformance, ADeliveryWhoseJobCouldNotBeStoredLeavesNothing) {
    const versioning::DeliveryRecord d{"github", "d-1",  1000, "push", "refs/heads/dev",
                                       "c1",     "octo", "",   "",     0};
    auto failed = store->batch([&]() -> common::Result<void> {
        auto first = store->record_delivery(d);
        if (!first) return std::unexpected(first.error());
        auto queued = store->enqueue_job(job("test", "c1", 1000));
        if (!queued) return std::unexpected(queued.error());
        return common::fail(common::ErrorCode::external, "the store refused the job");
    });
    ASSERT_FALSE(failed);
    EXPECT_TRUE(store->deliveries(10)->empty());
    EXPECT_TRUE(store->jobs("", 10)->empty());
    EXPECT_EQ(take(*store, d, job("test", "c1", 2000)).value_or("error"), "queued");
    auto jobs = *store->jobs("", 10);
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].id, 1);
    EXPECT_EQ(take(*store, d, job("test", "c1", 3000)).value_or("error"), "duplicate");
    EXPECT_EQ(store->jobs("", 10)->size(), 1u);
}

// Per environment one job runs and one waits; the newest head wins the waiting place.
TEST_P(StoreConformance, TheQueueKeepsOneRunningAndTheNewestWaiting) {
    using versioning::JobStatus;
    auto a = *store->enqueue_job(job("test", "c1", 100));
    EXPECT_EQ(a.status, JobStatus::pending);
    std::vector<versioning::JobRecord> interrupted;
    auto claimed = *store->claim_job("svc-1", 200, 1000, interrupted);
    ASSERT_TRUE(claimed);
    EXPECT_EQ(claimed->id, a.id);
    EXPECT_EQ(claimed->status, JobStatus::running);
    EXPECT_FALSE(*store->claim_job("svc-2", 210, 1000, interrupted));  // test is busy

    auto same = *store->enqueue_job(job("test", "c1", 300));
    EXPECT_EQ(same.status, JobStatus::dropped);
    EXPECT_NE(same.reason.find("already running as job #" + std::to_string(a.id)),
              std::string::npos);
    auto b = *store->enqueue_job(job("test", "c2", 400));
    auto c = *store->enqueue_job(job("test", "c3", 500));
    EXPECT_EQ(b.status, JobStatus::pending);
    auto dup = *store->enqueue_job(job("test", "c3", 550));
    EXPECT_EQ(dup.status, JobStatus::dropped);
    auto other = *store->enqueue_job(job("prod", "c2", 600));

    auto listed = *store->jobs("test", 10);
    ASSERT_EQ(listed.size(), 5u);
    EXPECT_EQ(listed[0].id, dup.id);
    auto find = [&](std::int64_t id) {
        return *std::find_if(listed.begin(), listed.end(), [&](auto& j) { return j.id == id; });
    };
    EXPECT_EQ(find(b.id).status, JobStatus::superseded);
    EXPECT_NE(find(b.id).reason.find("#" + std::to_string(c.id)), std::string::npos);
    EXPECT_EQ(find(c.id).status, JobStatus::pending);

    // prod is free: its job is claimed while test's still runs.
    auto p = *store->claim_job("svc-2", 700, 1000, interrupted);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->id, other.id);
    EXPECT_TRUE(*store->renew_job(a.id, "svc-1", 800, 1000, "run-7"));
    EXPECT_FALSE(*store->renew_job(a.id, "svc-2", 800, 1000, ""));
    ASSERT_TRUE(store->finish_job(a.id, "svc-1", JobStatus::succeeded, 900, "run-7", ""));
    auto next = *store->claim_job("svc-1", 1000, 1000, interrupted);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->id, c.id);
    EXPECT_TRUE(interrupted.empty());
    auto done = *store->jobs("test", 10);
    EXPECT_EQ(find(a.id).id, a.id);
    auto finished = *std::find_if(done.begin(), done.end(), [&](auto& j) { return j.id == a.id; });
    EXPECT_EQ(finished.status, JobStatus::succeeded);
    EXPECT_EQ(finished.run_id, "run-7");
    EXPECT_EQ(finished.finished_at, 900);
}

// Newest wins means newest in history, not newest to arrive: pushes h0..h4 of one branch
// delivered as 0, 1, 2, 4, 3 end with h4 waiting (h3 is dropped as older); a head older than
// the running one is dropped too. `older` stands for git (h<i> is an ancestor of h<j>, i < j).
TEST_P(StoreConformance, NewestWinsMeansNewestInHistory) {
    using versioning::JobStatus;
    const versioning::OlderThan older = [](const std::string& a, const std::string& b) {
        return a.size() == 2 && b.size() == 2 && a[0] == 'h' && b[0] == 'h' && a[1] < b[1];
    };
    auto h0 = *store->enqueue_job(job("test", "h0", 100), older);
    std::vector<versioning::JobRecord> interrupted;
    ASSERT_TRUE(*store->claim_job("svc", 150, 10000, interrupted));
    auto h1 = *store->enqueue_job(job("test", "h1", 200), older);
    auto h2 = *store->enqueue_job(job("test", "h2", 300), older);
    auto h4 = *store->enqueue_job(job("test", "h4", 400), older);
    auto h3 = *store->enqueue_job(job("test", "h3", 500), older);
    EXPECT_EQ(h4.status, JobStatus::pending);
    EXPECT_TRUE(h4.replaced.empty());  // h2 is known older: nothing to check later
    EXPECT_EQ(h3.status, JobStatus::dropped);
    EXPECT_EQ(h3.reason, "older than h4, already waiting as job #" + std::to_string(h4.id));
    auto back = *store->enqueue_job(job("test", "h0", 600), older);
    EXPECT_EQ(back.status, JobStatus::dropped);
    EXPECT_NE(back.reason.find("already running as job #" + std::to_string(h0.id)),
              std::string::npos);
    auto listed = *store->jobs("test", 10);
    auto status_of = [&](std::int64_t id) {
        return std::find_if(listed.begin(), listed.end(), [&](auto& j) { return j.id == id; })
            ->status;
    };
    EXPECT_EQ(status_of(h1.id), JobStatus::superseded);
    EXPECT_EQ(status_of(h2.id), JobStatus::superseded);
    EXPECT_EQ(status_of(h4.id), JobStatus::pending);
    ASSERT_TRUE(store->finish_job(h0.id, "svc", JobStatus::succeeded, 700, "", ""));
    auto next = *store->claim_job("svc", 800, 10000, interrupted);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->head, "h4");
    // Older than the running head: dropped.
    auto late = *store->enqueue_job(job("test", "h2", 900), older);
    EXPECT_EQ(late.status, JobStatus::dropped);
    EXPECT_EQ(late.reason, "older than h4, already running as job #" + std::to_string(h4.id));
}

// Heads whose order is not known yet (not fetched): the later push waits and carries the
// heads it replaced, for its worker to compare after the fetch.
TEST_P(StoreConformance, AJobRemembersTheHeadsItReplacedInUnknownOrder) {
    using versioning::JobStatus;
    auto x = *store->enqueue_job(job("test", "x1", 100), {});
    auto y = *store->enqueue_job(job("test", "y1", 200), {});
    auto z = *store->enqueue_job(job("test", "z1", 300), {});
    EXPECT_EQ(y.replaced, std::vector<std::string>{"x1"});
    EXPECT_EQ(z.replaced, (std::vector<std::string>{"y1", "x1"}));
    auto listed = *store->jobs("test", 10);
    EXPECT_EQ(listed[0].id, z.id);
    EXPECT_EQ(listed[0].replaced, z.replaced);
    EXPECT_EQ(listed[1].status, JobStatus::superseded);
    EXPECT_NE(listed[1].reason.find("order in history is checked after the fetch"),
              std::string::npos)
        << listed[1].reason;
    (void)x;
}

// A claim that is not renewed expires: the job is interrupted and the environment free again.
TEST_P(StoreConformance, AnExpiredClaimIsInterruptedAndTheEnvironmentFreed) {
    using versioning::JobStatus;
    auto a = *store->enqueue_job(job("test", "c1", 100));
    std::vector<versioning::JobRecord> interrupted;
    ASSERT_TRUE(*store->claim_job("dead-replica", 200, 1000, interrupted));
    ASSERT_TRUE(store->renew_job(a.id, "dead-replica", 300, 1000, "run-dead"));
    auto b = *store->enqueue_job(job("test", "c2", 400));
    EXPECT_FALSE(*store->claim_job("live", 1200, 1000, interrupted));  // claimed until 1300
    auto taken = *store->claim_job("live", 1301, 1000, interrupted);
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->id, b.id);
    ASSERT_EQ(interrupted.size(), 1u);
    EXPECT_EQ(interrupted[0].id, a.id);
    EXPECT_EQ(interrupted[0].run_id, "run-dead");
    EXPECT_EQ(interrupted[0].status, JobStatus::interrupted);  // a newer job waits
    // The dead replica, back, can neither renew nor finish what is not its any more.
    EXPECT_FALSE(*store->renew_job(a.id, "dead-replica", 1400, 1000, ""));
    ASSERT_TRUE(store->finish_job(a.id, "dead-replica", JobStatus::succeeded, 1500, "", ""));
    auto jobs = *store->jobs("test", 10);
    EXPECT_EQ(jobs.back().status, JobStatus::interrupted);
}

// A dead replica's job with nothing newer waiting is taken over: it waits again and the next
// claim runs it (once more at most).
TEST_P(StoreConformance, ADeadReplicasJobIsTakenOverOnce) {
    using versioning::JobStatus;
    auto a = *store->enqueue_job(job("test", "c1", 100));
    std::vector<versioning::JobRecord> interrupted;
    ASSERT_TRUE(*store->claim_job("dead-1", 200, 1000, interrupted));
    auto again = *store->claim_job("live", 1300, 1000, interrupted);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, a.id);
    EXPECT_EQ(again->owner, "live");
    EXPECT_EQ(again->attempts, 2);
    ASSERT_EQ(interrupted.size(), 1u);
    EXPECT_EQ(interrupted[0].status, JobStatus::pending);
    interrupted.clear();
    // It dies again: no third run.
    EXPECT_FALSE(*store->claim_job("other", 2400, 1000, interrupted));
    ASSERT_EQ(interrupted.size(), 1u);
    EXPECT_EQ(interrupted[0].status, JobStatus::interrupted);
    EXPECT_EQ(store->jobs("test", 1)->front().status, JobStatus::interrupted);
}

// Promotion requests: ids across environments, what they ship kept whole, decisions only
// while open, one end, newest first per environment.
TEST_P(StoreConformance, PromotionRequestsKeepWhatTheyShipAndTheirDecisions) {
    versioning::PromotionRequest r;
    r.env = "prod";
    r.from = "test";
    r.requested_by = "github:alice";
    r.requested_at = 1000;
    r.source_deployment = 12;
    r.base_deployment = 7;
    r.commit = "c0ffee";
    r.reason = "release 4";
    r.images = {{"api", 7, "repo:api-7", "c0ffee", true}, {"web", 3, "repo:web-3", "beef", false}};
    auto first = store->record_request(r);
    ASSERT_TRUE(first) << first.error().message;
    r.env = "staging";
    auto second = *store->record_request(r);
    EXPECT_EQ(second, *first + 1);
    auto got = *store->request(*first);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->id, *first);
    EXPECT_EQ(got->env, "prod");
    EXPECT_EQ(got->status, "open");
    EXPECT_EQ(got->requested_by, "github:alice");
    EXPECT_EQ(got->source_deployment, 12);
    EXPECT_EQ(got->base_deployment, 7);
    EXPECT_EQ(got->reason, "release 4");
    ASSERT_EQ(got->images.size(), 2u);
    EXPECT_EQ(got->images[0].image_uri, "repo:api-7");
    EXPECT_EQ(got->images[1].commit, "beef");
    EXPECT_TRUE(got->images[0].changed);
    EXPECT_FALSE(*store->request(999));

    EXPECT_TRUE(*store->decide_request(*first, {"bob", "approve", "looks good", 2000}));
    EXPECT_TRUE(*store->decide_request(*first, {"carol@host", "override-freeze", "hotfix", 2100}));
    EXPECT_TRUE(*store->finish_request(*first, "deployed", 3000, 44, "run-9", ""));
    EXPECT_FALSE(*store->finish_request(*first, "failed", 3100, 0, "", "late"));  // once
    EXPECT_FALSE(*store->decide_request(*first, {"dave", "approve", "", 3200}));  // not open
    got = *store->request(*first);
    EXPECT_EQ(got->status, "deployed");
    EXPECT_EQ(got->deployment_id, 44);
    EXPECT_EQ(got->run_id, "run-9");
    EXPECT_EQ(got->finished_at, 3000);
    EXPECT_EQ(got->reason, "release 4") << "why it was asked for stays";
    EXPECT_EQ(got->outcome, "");
    ASSERT_EQ(got->decisions.size(), 2u);
    EXPECT_EQ(got->decisions[0].actor, "bob");
    EXPECT_EQ(got->decisions[1].verdict, "override-freeze");
    EXPECT_EQ(got->decisions[1].reason, "hotfix");

    auto prod = *store->requests("prod", 10);
    ASSERT_EQ(prod.size(), 1u);
    EXPECT_EQ(prod[0].status, "deployed");
    auto all = *store->requests("", 10);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, second);  // newest first
    EXPECT_EQ(store->requests("", 1)->size(), 1u);
}

TEST_P(StoreConformance, TheLatestDriftCheckOfEachEnvironment) {
    EXPECT_TRUE(store->drifts()->empty());
    versioning::DriftRecord d{"prod", "ml-prod", 1000, "DRIFTED", "", {}};
    d.resources = {{"Config", "AWS::SSM::Parameter", "MODIFIED", "Value: a -> b"}};
    ASSERT_TRUE(store->record_drift(d));
    ASSERT_TRUE(store->record_drift({"test", "ml-test", 1100, "IN_SYNC", "", {}}));
    d.checked_at = 2000;
    ASSERT_TRUE(store->record_drift(d));
    auto all = *store->drifts();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].env, "prod");
    EXPECT_EQ(all[0].checked_at, 2000);
    ASSERT_EQ(all[0].resources.size(), 1u);
    EXPECT_EQ(all[0].resources[0].differences, "Value: a -> b");
    EXPECT_EQ(all[1].status, "IN_SYNC");
}

// A job that deploys a promotion request is dropped when the same request is queued again,
// and kept apart from a run of the same commit.
TEST_P(StoreConformance, AJobOfAPromotionRequestIsQueuedOnce) {
    auto promote = job("prod", "c1", 100);
    promote.kind = "promote";
    promote.request_id = 7;
    auto a = *store->enqueue_job(promote);
    EXPECT_EQ(a.status, JobStatus::pending);
    promote.created_at = 200;
    auto again = *store->enqueue_job(promote);
    EXPECT_EQ(again.status, JobStatus::dropped);
    std::vector<versioning::JobRecord> interrupted;
    auto claimed = *store->claim_job("svc", 300, 1000, interrupted);
    ASSERT_TRUE(claimed);
    EXPECT_EQ(claimed->kind, "promote");
    EXPECT_EQ(claimed->request_id, 7);
    promote.created_at = 400;
    EXPECT_EQ(store->enqueue_job(promote)->status, JobStatus::dropped);  // running
    EXPECT_EQ(store->jobs("prod", 1)->front().request_id, 7);
}

}  // namespace
}  // namespace store_test
