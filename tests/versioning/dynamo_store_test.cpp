// The DynamoDB backend on moto_server: the whole conformance suite, a fresh table per test,
// plus what only this backend has (the missing-table error, several processes on a table).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "store_conformance.hpp"
#include "support/git_repo.hpp"
#include "support/moto.hpp"
#include "versioning/dynamo_store.hpp"

namespace store_test {
namespace {

support::MotoServer& moto() {
    static support::MotoServer server({}, true);
    return server;
}

aws::ClientOptions moto_options() {
    aws::ClientOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", moto().url()}});
    o.region = "us-east-1";
    o.credentials = aws::static_credentials({"AKIDTEST", "test-secret", ""});
    return o;
}

std::string new_table() {
    static int count = 0;
    return "slipway-" + std::to_string(::getpid()) + "-" + std::to_string(++count);
}

std::string& last_table() {
    static std::string table;
    return table;
}

std::unique_ptr<versioning::VersionStore> make_dynamo_store() {
    if (!moto().available()) return nullptr;
    const std::string table = new_table();
    last_table() = table;
    aws::Client admin(moto_options());
    if (auto ok = versioning::init_dynamo_table(admin, table); !ok) {
        ADD_FAILURE() << ok.error().message;
        return nullptr;
    }
    auto store =
        versioning::open_dynamo_store(std::make_unique<aws::Client>(moto_options()), table);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
}

// Another client of the table make_dynamo_store made last.
std::unique_ptr<versioning::VersionStore> open_dynamo_store_again() {
    auto store =
        versioning::open_dynamo_store(std::make_unique<aws::Client>(moto_options()), last_table());
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(DynamoDB, StoreConformance,
                         ::testing::Values(Backend{"dynamodb", &make_dynamo_store,
                                                   &open_dynamo_store_again}));

TEST(DynamoStore, AMissingTableNamesTheCommandThatCreatesIt) {
    if (!moto().available()) GTEST_SKIP() << moto().why_not();
    auto store = versioning::open_dynamo_store(std::make_unique<aws::Client>(moto_options()),
                                               "never-created");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, common::ErrorCode::input);
    EXPECT_EQ(
        store.error().message,
        "the DynamoDB table 'never-created' does not exist: create it with 'slipway store init'");
}

TEST(DynamoStore, InitIsIdempotent) {
    if (!moto().available()) GTEST_SKIP() << moto().why_not();
    aws::Client admin(moto_options());
    const std::string table = new_table();
    ASSERT_TRUE(versioning::init_dynamo_table(admin, table));
    ASSERT_TRUE(versioning::init_dynamo_table(admin, table));
}

// A store finishes builds another store object reserved (it reads their claims from the
// table), and refuses a number nobody reserved.
TEST(DynamoStore, BuildsReservedElsewhereStartAndFinish) {
    if (!moto().available()) GTEST_SKIP() << moto().why_not();
    const std::string table = new_table();
    aws::Client admin(moto_options());
    ASSERT_TRUE(versioning::init_dynamo_table(admin, table));
    auto open = [&] {
        return std::move(
            *versioning::open_dynamo_store(std::make_unique<aws::Client>(moto_options()), table));
    };
    auto reserver = open();
    auto other = open();
    auto image = [](std::int64_t n) { return "repo:api-" + std::to_string(n); };
    ASSERT_TRUE(reserver->reserve_build({"api", "c", "h", "run", 1000, ""}, image));
    ASSERT_TRUE(other->start_build("api", 1, 1100, {}));
    EXPECT_EQ((*reserver->builds_of("api", 1))[0].status, versioning::BuildStatus::running);
    ASSERT_TRUE(other->finish_build("api", 1, {versioning::BuildStatus::succeeded, 0, 2000}));
    EXPECT_EQ((*reserver->builds_of("api", 1))[0].status, versioning::BuildStatus::succeeded);
    EXPECT_TRUE(*other->find_reusable("api", "h"));
    auto never = other->finish_build("api", 7, {versioning::BuildStatus::succeeded, 0, 2000});
    ASSERT_FALSE(never);
    EXPECT_EQ(never.error().message, "dynamodb: build #7 of 'api' was never reserved");
}

// 8 processes reserve 200 numbers each through dynamodb:// URLs: each number from 1 to 1600
// is handed out exactly once. moto serves one request at a time here (its conditional writes
// are not atomic across threads; see moto_launcher.py): about 30 s.
TEST(DynamoStore, EightProcessesNeverShareANumber) {
    if (!moto().available()) GTEST_SKIP() << moto().why_not();
    const long per_process = 40;  // 320 contended reservations: minutes of moto under load at 200
    const std::string table = new_table();
    aws::Client admin(moto_options());
    ASSERT_TRUE(versioning::init_dynamo_table(admin, table));
    support::TempDir dir;
    const std::string env = "AWS_ENDPOINT_URL=" + moto().url() +
                            " AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test-secret "
                            "AWS_EC2_METADATA_DISABLED=true ";
    std::string command;
    for (int p = 0; p < 8; ++p) {
        command += env + support::shell_quote(STORE_RESERVER) + " dynamodb://" + table +
                   "?region=us-east-1 shared " + std::to_string(per_process) + " > " +
                   support::shell_quote((dir.path() / ("out" + std::to_string(p))).string()) +
                   " & ";
    }
    auto r = support::run(command + "wait");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto numbers = collect_numbers(dir.path(), 8, per_process);
    ASSERT_EQ(numbers.size(), static_cast<std::size_t>(8 * per_process));
    for (long i = 0; i < 8 * per_process; ++i)
        ASSERT_EQ(numbers[static_cast<std::size_t>(i)], i + 1);
    auto store =
        versioning::open_dynamo_store(std::make_unique<aws::Client>(moto_options()), table);
    EXPECT_EQ(*(*store)->peek_next_number("shared"), 8 * per_process + 1);
}

// Four replicas of the service enqueue and claim on one table at once (4 x 15 rounds, 3
// environments): the queue's conditional transactions keep every job id distinct, every
// job claimed at most once and never two jobs of one environment held together.
TEST(DynamoStore, ReplicasShareTheQueueSafely) {
    if (!moto().available()) GTEST_SKIP() << moto().why_not();
    const std::string table = new_table();
    aws::Client admin(moto_options());
    ASSERT_TRUE(versioning::init_dynamo_table(admin, table));
    const std::string env = "AWS_ENDPOINT_URL=" + moto().url() +
                            " AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test-secret "
                            "AWS_EC2_METADATA_DISABLED=true ";
    auto store =
        versioning::open_dynamo_store(std::make_unique<aws::Client>(moto_options()), table);
    ASSERT_TRUE(store);
    run_queue_replicas(env, "dynamodb://" + table + "?region=us-east-1", **store, 4, 15);
}

// A delivery, its jobs and its result are one TransactWriteItems, which holds at most 100
// writes: up to 4 for the delivery (its item, its DELIVERIES entry and the one it replaces,
// the job counter) and up to 4 for each environment (the job, its JOB#<env> entry, the slot,
// the job it supersedes). 24 environments whose new jobs all supersede a waiting one fit (99
// writes); a delivery for 33 fresh environments (102) is refused whole, naming the limit, and
// stores nothing.
TEST(DynamoStore, ADeliveryIsOneTransactionOfAtMostAHundredWrites) {
    if (!moto().available()) GTEST_SKIP() << moto().why_not();
    auto store = make_dynamo_store();
    ASSERT_TRUE(store);
    auto job = [](int env, const std::string& head) {
        versioning::JobRecord j;
        j.env = "e" + std::to_string(env);
        j.branch = "dev";
        j.head = head;
        j.created_at = 1000;
        return j;
    };
    auto take = [&](const std::string& id, int envs) {
        const versioning::DeliveryRecord d{"github", id,     1000, "push", "refs/heads/dev",
                                           "c2",     "octo", "",   "",     0};
        return store->batch([&]() -> common::Result<void> {
            auto first = store->record_delivery(d);
            if (!first) return std::unexpected(first.error());
            std::int64_t last = 0;
            for (int e = 0; e < envs; ++e) {
                auto queued = store->enqueue_job(job(e, "c2"));
                if (!queued) return std::unexpected(queued.error());
                last = queued->id;
            }
            return store->set_delivery_result(d.source, d.id, "queued", "", last);
        });
    };
    auto refused = take("d-wide", 33);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, common::ErrorCode::input);
    EXPECT_NE(refused.error().message.find("delivery d-wide and its jobs would be 102 writes, "
                                           "more than the 100 of one DynamoDB transaction"),
              std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(store->deliveries(10)->empty());
    EXPECT_TRUE(store->jobs("", 10)->empty());

    for (int e = 0; e < 24; ++e) ASSERT_TRUE(store->enqueue_job(job(e, "c1")));
    auto taken = take("d-24", 24);
    ASSERT_TRUE(taken) << taken.error().message;
    auto jobs = *store->jobs("", 100);
    ASSERT_EQ(jobs.size(), 48u);
    EXPECT_EQ(std::count_if(jobs.begin(), jobs.end(),
                            [](auto& j) { return j.status == versioning::JobStatus::superseded; }),
              24);
    auto deliveries = *store->deliveries(10);
    ASSERT_EQ(deliveries.size(), 1u);
    EXPECT_EQ(deliveries[0].result, "queued");
    EXPECT_EQ(deliveries[0].job_id, 48);
}

}  // namespace
}  // namespace store_test
