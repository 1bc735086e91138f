// CodeCommit's events reach `slipway serve` as AWS delivers them: a real EventBridge rule on
// moto routes a "CodeCommit Repository State Change" event to an SQS queue that serve
// long-polls; the message is deleted once the job is stored.
#include "serve_fixture.hpp"

namespace serve_test {
namespace {

std::string member(const std::string& json, const char* key) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    return d.IsObject() && d.HasMember(key) && d[key].IsString() ? d[key].GetString() : "";
}

TEST_F(Serve, CodeCommitEventsArriveThroughEventBridgeAndSqs) {
    auto created = aws("sqs create-queue --queue-name slipway-events");
    ASSERT_EQ(created.status, 0) << created.err;
    const std::string queue = member(created.out, "QueueUrl");
    auto attributes =
        aws("sqs get-queue-attributes --attribute-names QueueArn --queue-url " + queue);
    rapidjson::Document a;
    a.Parse(attributes.out.c_str());
    const std::string arn = a["Attributes"]["QueueArn"].GetString();
    ASSERT_EQ(aws("events put-rule --name codecommit-to-slipway --event-pattern " +
                  shell_quote(R"({"source":["aws.codecommit"],)"
                              R"("detail-type":["CodeCommit Repository State Change"]})"))
                  .status,
              0);
    ASSERT_EQ(aws("events put-targets --rule codecommit-to-slipway --targets Id=slipway,Arn=" + arn)
                  .status,
              0);

    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args("--sqs-queue " + queue))) << serve.log();
    const std::string head = push_change("api", "v2");
    const std::string detail =
        R"({"event":"referenceUpdated","referenceType":"branch","referenceName":"dev",)"
        R"("referenceFullName":"refs/heads/dev","repositoryName":"shop","commitId":")" +
        head + R"(","callerUserArn":"arn:aws:iam::123456789012:user/bob"})";
    rapidjson::Document entry;
    entry.SetArray();
    rapidjson::Value e(rapidjson::kObjectType);
    auto& al = entry.GetAllocator();
    e.AddMember("Source", "aws.codecommit", al);
    e.AddMember("DetailType", "CodeCommit Repository State Change", al);
    e.AddMember("Detail", rapidjson::Value(detail.c_str(), al), al);
    entry.PushBack(e, al);
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> w(text);
    entry.Accept(w);
    const auto file = scratch.path() / "entries.json";
    std::ofstream(file) << text.GetString();
    auto put = aws("events put-events --entries file://" + file.string());
    ASSERT_EQ(put.status, 0) << put.err;
    EXPECT_NE(put.out.find("\"FailedEntryCount\": 0"), std::string::npos) << put.out;

    std::int64_t job = 0;
    for (int i = 0; i < 300 && job == 0; ++i) {
        auto q = get_json(serve.url, "/api/queue");
        if (q.HasMember("jobs") && !q["jobs"].Empty())
            job = q["jobs"][0]["id"].GetInt64();
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GT(job, 0) << serve.log();
    EXPECT_EQ(wait_for_job(serve.url, job), "succeeded") << serve.log();
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
    EXPECT_EQ(sql("SELECT source || ' ' || result || ' ' || actor FROM deliveries"),
              "sqs queued codecommit:bob\n");
    EXPECT_EQ(sql("SELECT actor FROM runs"), "codecommit:bob\n");
    // Deleted once stored: the queue holds nothing, not even in flight.
    auto left = aws("sqs get-queue-attributes --queue-url " + queue +
                    " --attribute-names ApproximateNumberOfMessages "
                    "ApproximateNumberOfMessagesNotVisible");
    rapidjson::Document l;
    l.Parse(left.out.c_str());
    EXPECT_EQ(std::string(l["Attributes"]["ApproximateNumberOfMessages"].GetString()), "0");
    EXPECT_EQ(std::string(l["Attributes"]["ApproximateNumberOfMessagesNotVisible"].GetString()),
              "0");
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
}

}  // namespace
}  // namespace serve_test
