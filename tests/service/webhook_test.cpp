// Webhook signatures (GitHub's documented test vector), push events, CodeCommit events, and
// intake: each delivery stored once, a push becoming one job per triggered environment with
// the queue's newest-wins semantics, on a real SQLite store.
#include "service/webhook.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "service/intake.hpp"
#include "support/git_repo.hpp"

namespace {

using service::Delivery;
using service::Push;

TEST(Signature, GitHubsTestVector) {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    const std::string expected =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    EXPECT_EQ(service::sign("It's a Secret to Everybody", "Hello, World!"), expected);
    service::Secrets secrets{{"It's a Secret to Everybody"}};
    EXPECT_TRUE(service::signature_valid(secrets, expected, "Hello, World!"));
    EXPECT_FALSE(service::signature_valid(secrets, expected, "Hello, World?"));  // a body byte
    std::string flipped = expected;
    flipped.back() = '6';
    EXPECT_FALSE(service::signature_valid(secrets, flipped, "Hello, World!"));  // a signature byte
    EXPECT_FALSE(service::signature_valid(secrets, "", "Hello, World!"));
    EXPECT_FALSE(service::signature_valid(secrets, "sha1=" + expected.substr(7), "Hello, World!"));
    EXPECT_FALSE(service::signature_valid(secrets, expected.substr(7), "Hello, World!"));
}

TEST(Signature, EitherOfTwoSecretsWhileRotating) {
    support::TempDir dir;
    const auto file = (dir.path() / "secret").string();
    std::ofstream(file) << "old-secret\r\nnew-secret\n";
    auto secrets = service::load_secrets(file, "");
    ASSERT_TRUE(secrets);
    EXPECT_EQ(secrets->values.size(), 2u);
    for (const char* s : {"old-secret", "new-secret"})
        EXPECT_TRUE(service::signature_valid(*secrets, service::sign(s, "body"), "body"));
    EXPECT_FALSE(service::signature_valid(*secrets, service::sign("other", "body"), "body"));
    EXPECT_TRUE(service::load_secrets("", "from-env"));
    auto missing = service::load_secrets((dir.path() / "nope").string(), "");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message.find("old-secret"), std::string::npos);
    std::ofstream(file) << "\n";
    EXPECT_FALSE(service::load_secrets(file, ""));
}

TEST(PushEvent, BranchesTagsAndDeletions) {
    auto p = service::parse_github_push(
        R"({"ref":"refs/heads/dev","after":"0123456789abcdef0123456789abcdef01234567",)"
        R"("deleted":false,"pusher":{"name":"octocat"}})");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->branch, "dev");
    EXPECT_EQ(p->actor, "github:octocat");
    EXPECT_EQ(service::ignore_reason(*p), "");
    auto tag = service::parse_github_push(
        R"({"ref":"refs/tags/v1","after":"89abcdef0123456789abcdef0123456789abcdef"})");
    ASSERT_TRUE(tag);
    EXPECT_EQ(service::ignore_reason(*tag), "refs/tags/v1 is not a branch");
    auto gone = service::parse_github_push(
        R"({"ref":"refs/heads/dev","after":"0000000000000000000000000000000000000000","deleted":true})");
    ASSERT_TRUE(gone);
    EXPECT_EQ(service::ignore_reason(*gone), "branch refs/heads/dev was deleted");
    EXPECT_FALSE(service::parse_github_push("not json"));
    EXPECT_FALSE(service::parse_github_push(R"({"zen":"ping"})"));
    // `after` is a commit id: 40 hex digits (64 in a SHA-256 repository), nothing else.
    for (const char* after : {"ffff", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                              "0123456789abcdef0123456789abcdef0123456g", "../../etc/passwd"}) {
        auto bad = service::parse_github_push(std::string(R"({"ref":"refs/heads/dev","after":")") +
                                              after + R"("})");
        ASSERT_FALSE(bad) << after;
        EXPECT_EQ(bad.error().message, "push event: 'after' is not a commit id");
    }
    EXPECT_TRUE(service::parse_github_push(R"({"ref":"refs/heads/dev","after":")" +
                                           std::string(64, 'a') + R"("})"));
}

TEST(PushEvent, OnlyThisRepositorysPushesCount) {
    auto p = service::parse_github_push(
        R"({"ref":"refs/heads/dev","after":"0123456789abcdef0123456789abcdef01234567",)"
        R"("repository":{"full_name":"acme/other-service"}})");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->repository, "acme/other-service");
    const service::ThisRepository shop{"acme/shop", ""};
    EXPECT_EQ(service::foreign_reason(shop, "github", *p),
              "repository acme/other-service is not acme/shop");
    EXPECT_EQ(service::foreign_reason({}, "github", *p), "");  // nothing configured: any
    p->repository = "ACME/Shop";  // GitHub's names compare without case
    EXPECT_EQ(service::foreign_reason(shop, "github", *p), "");
    p->repository.clear();
    EXPECT_NE(service::foreign_reason(shop, "github", *p).find("names no repository"),
              std::string::npos);
    // CodeCommit's by name or ARN; a GitHub name says nothing of queue events.
    service::Push cc;
    cc.repository = "shop";
    cc.repository_arn = "arn:aws:codecommit:us-east-1:123456789012:shop";
    EXPECT_EQ(service::foreign_reason(shop, "sqs", cc), "");
    EXPECT_EQ(service::foreign_reason({"", "shop"}, "sqs", cc), "");
    EXPECT_EQ(service::foreign_reason({"", cc.repository_arn}, "sqs", cc), "");
    EXPECT_EQ(service::foreign_reason({"", "other"}, "sqs", cc), "repository shop is not other");
}

TEST(PushEvent, TheRepositoryARemoteURLNames) {
    const std::pair<const char*, service::ThisRepository> cases[] = {
        {"https://github.com/acme/shop.git", {"acme/shop", ""}},
        {"https://github.com/acme/shop", {"acme/shop", ""}},
        {"https://x-access-token:t0ken@github.com/acme/shop.git/", {"acme/shop", ""}},
        {"git@github.com:acme/shop.git", {"acme/shop", ""}},
        {"ssh://git@github.com/acme/shop.git", {"acme/shop", ""}},
        {"ssh://git@ssh.github.com:443/acme/shop.git", {"acme/shop", ""}},
        {"https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/shop", {"", "shop"}},
        {"ssh://APKAEIBAERJR2EXAMPLE@git-codecommit.us-east-2.amazonaws.com/v1/repos/shop",
         {"", "shop"}},
        {"codecommit::us-east-1://shop", {"", "shop"}},
        {"codecommit://dev-profile@shop", {"", "shop"}},
        {"/srv/git/shop.git", {"", ""}},
        {"file:///srv/git/shop.git", {"", ""}},
        {"https://gitlab.com/acme/shop.git", {"", ""}},
        {"https://github.com/acme", {"", ""}},
        {"https://github.com/acme/shop/extra", {"", ""}},
    };
    for (const auto& [url, want] : cases) {
        const auto got = service::repository_of_url(url);
        EXPECT_EQ(got.github, want.github) << url;
        EXPECT_EQ(got.codecommit, want.codecommit) << url;
    }
}

TEST(CodeCommitEvent, AReferenceUpdateIsAPush) {
    auto e = service::parse_codecommit_event(R"({
        "version": "0", "id": "ev-1", "detail-type": "CodeCommit Repository State Change",
        "source": "aws.codecommit", "detail": {"event": "referenceUpdated",
        "referenceType": "branch", "referenceName": "dev", "referenceFullName": "refs/heads/dev",
        "repositoryName": "shop", "commitId": "0123456789abcdef0123456789abcdef01234567",
        "callerUserArn": "arn:aws:iam::123456789012:user/alice"}})");
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->id, "ev-1");
    ASSERT_TRUE(e->push);
    EXPECT_EQ(e->push->branch, "dev");
    EXPECT_EQ(e->push->head, "0123456789abcdef0123456789abcdef01234567");
    EXPECT_EQ(e->push->repository, "shop");
    EXPECT_EQ(e->push->actor, "codecommit:alice");
    auto other = service::parse_codecommit_event(R"({"id":"ev-2","detail-type":"Something"})");
    ASSERT_TRUE(other);
    EXPECT_FALSE(other->push);
    EXPECT_FALSE(service::parse_codecommit_event(R"({"detail-type":"x"})"));  // no id
}

class Intake : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = versioning::open_store("sqlite:state.db", dir.path().string());
        ASSERT_TRUE(opened);
        store = std::move(*opened);
    }
    Delivery push(const std::string& id, const std::string& branch, const std::string& head) {
        return {"github", id, "push", Push{"refs/heads/" + branch, branch, head, "octo", false, "", ""},
                at += 1000};
    }
    support::TempDir dir;
    std::unique_ptr<versioning::VersionStore> store;
    service::Triggers triggers{{"dev", {"test"}}, {"main", {"staging", "qa"}}};
    versioning::Millis at = 1'000'000;
};

TEST_F(Intake, TheSameDeliveryTwiceIsOneJob) {
    auto first = service::take_delivery(push("d-1", "dev", "c1"), triggers, *store);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->result, "queued");
    ASSERT_EQ(first->jobs.size(), 1u);
    auto again = service::take_delivery(push("d-1", "dev", "c1"), triggers, *store);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->result, "duplicate");
    EXPECT_EQ(store->jobs("test", 10)->size(), 1u);
    EXPECT_EQ(store->deliveries(10)->size(), 1u);
    EXPECT_EQ(store->deliveries(10)->front().job_id, first->jobs[0].job);
}

TEST_F(Intake, TwoDeliveriesOfOneCommitAreOneRun) {
    ASSERT_TRUE(service::take_delivery(push("d-1", "dev", "c1"), triggers, *store));
    auto second = service::take_delivery(push("d-2", "dev", "c1"), triggers, *store);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->result, "dropped");
    EXPECT_NE(second->reason.find("already waiting"), std::string::npos) << second->reason;
}

TEST_F(Intake, ABurstLeavesTheRunningJobAndTheNewest) {
    ASSERT_TRUE(service::take_delivery(push("d-0", "dev", "c0"), triggers, *store));
    std::vector<versioning::JobRecord> interrupted;
    ASSERT_TRUE(*store->claim_job("svc", at, 60000, interrupted));  // c0 runs
    for (int i = 1; i <= 5; ++i)
        ASSERT_TRUE(service::take_delivery(
            push("d-" + std::to_string(i), "dev", "c" + std::to_string(i)), triggers, *store));
    int open = 0;
    const auto jobs = store->jobs("test", 10);  // (a temporary would die before the loop)
    ASSERT_TRUE(jobs);
    for (const auto& j : *jobs) {
        if (j.status == versioning::JobStatus::pending) {
            EXPECT_EQ(j.head, "c5");
        }
        open += j.status == versioning::JobStatus::pending ||
                j.status == versioning::JobStatus::running;
    }
    EXPECT_EQ(open, 2);
}

TEST_F(Intake, OtherBranchesTagsAndPingsStartNothing) {
    auto other = service::take_delivery(push("d-1", "feature", "c1"), triggers, *store);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->result, "ignored");
    EXPECT_EQ(other->reason, "no environment triggers on branch 'feature'");
    Delivery ping{"github", "d-2", "ping", std::nullopt, 5};
    EXPECT_EQ(service::take_delivery(ping, triggers, *store)->result, "pong");
    auto main = service::take_delivery(push("d-3", "main", "c9"), triggers, *store);
    ASSERT_TRUE(main);
    EXPECT_EQ(main->jobs.size(), 2u);  // staging and qa
    EXPECT_TRUE(store->jobs("test", 10)->empty());
    EXPECT_EQ(store->deliveries(10)->size(), 3u);
}

TEST_F(Intake, ACommitAlreadyDeployedIsDropped) {
    versioning::DeploymentRecord d{0, "test", "s", "c1", "succeeded", 1, 2, "cs", "r", {}};
    ASSERT_TRUE(store->record_deployment(d));
    auto out = service::take_delivery(push("d-1", "dev", "c1"), triggers, *store);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->result, "dropped");
    EXPECT_NE(out->reason.find("already deployed to test"), std::string::npos);
    EXPECT_TRUE(store->jobs("test", 10)->empty());
}

}  // namespace
