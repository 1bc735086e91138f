// The AWS client against a scripted server on 127.0.0.1: retries and their delays, the
// retry quota, errors, clock-skew correction, and that secrets never reach the log.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include "aws/client.hpp"
#include "support/git_repo.hpp"
#include "support/moto.hpp"
#include "support/scripted_server.hpp"

#include <signal.h>

#include <thread>

namespace {

using support::ScriptedReply;
using support::ScriptedServer;
using namespace std::chrono_literals;

const ScriptedReply k_ok{false, 200, {{"x-amzn-RequestId", "req-ok"}}, R"({"Item": {}})"};

ScriptedReply json_error(int status, const std::string& type, const std::string& message = "boom") {
    return {false,
            status,
            {{"x-amzn-RequestId", "req-" + type}},
            R"({"__type": "com.amazonaws.dynamodb.v20120810#)" + type + R"(", "message": ")" +
                message + R"("})"};
}

struct Harness {
    explicit Harness(const ScriptedServer& server, aws::RetryConfig retry = {}) {
        aws::ClientOptions o;
        o.env = aws::env_of({{"AWS_ENDPOINT_URL", server.url()}});
        o.region = "us-east-1";
        o.credentials = aws::static_credentials({"AKIDTEST", "SECRETKEY123", "TOKENABC"});
        o.retry = retry;
        o.random = [] { return 1.0; };  // the largest delay full jitter allows
        o.sleep = [this](std::chrono::milliseconds d) { slept.push_back(d); };
        client = std::make_unique<aws::Client>(o);
    }
    common::Result<std::string> get_item() {
        return client->json(aws::dynamodb_service(), "DynamoDB_20120810",
                            {"GetItem", "dynamodb:GetItem"}, "{}");
    }
    std::unique_ptr<aws::Client> client;
    std::vector<std::chrono::milliseconds> slept;
};

TEST(AwsClient, ServerErrorsAreRetriedWithBackoff) {
    ScriptedServer server({{false, 500, {}, ""}, {false, 503, {}, ""}, k_ok});
    Harness h(server);
    auto r = h.get_item();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(h.client->last_attempts(), 3);
    EXPECT_EQ(h.slept, (std::vector<std::chrono::milliseconds>{
                           1000ms, 2000ms}));       // 1 x min(2^(n-1) s, 20 s)
    EXPECT_EQ(h.client->quota().available(), 500);  // refunded on success
}

TEST(AwsClient, ThrottlingGivesUpAfterThreeAttempts) {
    ScriptedServer server({json_error(400, "ThrottlingException", "Rate exceeded")});
    Harness h(server);
    auto r = h.get_item();
    ASSERT_FALSE(r);
    EXPECT_EQ(h.client->last_attempts(), 3);
    EXPECT_EQ(r.error().code, common::ErrorCode::external);
    EXPECT_EQ(r.error().message,
              "dynamodb GetItem: ThrottlingException: Rate exceeded (request id "
              "req-ThrottlingException) (after 3 attempts)");
    EXPECT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(h.client->quota().available(), 490);  // two retries paid, no success to refund them
}

TEST(AwsClient, DroppedConnectionsAreRetried) {
    ScriptedServer server({support::dropped_connection(), support::dropped_connection(), k_ok});
    Harness h(server);
    ASSERT_TRUE(h.get_item());
    EXPECT_EQ(h.client->last_attempts(), 3);
}

TEST(AwsClient, OtherClientErrorsAreNeverRetried) {
    ScriptedServer server(
        {json_error(400, "ConditionalCheckFailedException", "The conditional request failed"),
         k_ok});
    Harness h(server);
    auto r = h.get_item();
    ASSERT_FALSE(r);
    EXPECT_EQ(h.client->last_attempts(), 1);
    EXPECT_EQ(r.error().message,
              "dynamodb GetItem: ConditionalCheckFailedException: The conditional request failed "
              "(request id req-ConditionalCheckFailedException)");
    EXPECT_TRUE(h.slept.empty());
}

TEST(AwsClient, AnEmptyQuotaStopsRetrying) {
    ScriptedServer server({{false, 500, {}, ""}});
    aws::RetryConfig small;
    small.quota_capacity = 7;
    Harness h(server, small);
    auto first = h.get_item();  // pays 5, cannot pay the second retry
    ASSERT_FALSE(first);
    EXPECT_EQ(h.client->last_attempts(), 2);
    EXPECT_NE(first.error().message.find("retry quota exhausted"), std::string::npos)
        << first.error().message;
}

TEST(AwsClient, QueryErrorsAreReadFromXml) {
    ScriptedServer server(
        {{false,
          400,
          {},
          "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack "
          "with id x does not "
          "exist</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>"}});
    Harness h(server);
    auto r = h.client->query(aws::cloudformation_service(),
                             {"DescribeStacks", "cloudformation:DescribeStacks"}, "2010-05-15",
                             {{"StackName", "x"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "cloudformation DescribeStacks: ValidationError: Stack with id x does not exist "
              "(request id rid-1)");
    const auto request = server.requests().at(0);
    EXPECT_NE(request.find("Action=DescribeStacks&Version=2010-05-15&StackName=x"),
              std::string::npos)
        << request;
}

TEST(AwsClient, ClockSkewIsCorrectedOnceFromTheDateHeader) {
    const auto server_now = std::chrono::system_clock::now();
    const std::string date = [&] {
        std::time_t t = std::chrono::system_clock::to_time_t(server_now);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[64];
        std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        return std::string(buf);
    }();
    ScriptedServer server(
        {{false,
          403,
          {{"Date", date}},
          R"({"__type": "InvalidSignatureException", "message": "Signature expired: 20150830T123600Z is now earlier than ..."})"},
         k_ok});
    aws::ClientOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", server.url()}});
    o.region = "us-east-1";
    o.credentials = aws::static_credentials({"AKIDTEST", "SECRET", ""});
    o.now = [] {
        return std::chrono::system_clock::from_time_t(1440938160);
    };  // 2015-08-30T12:36:00Z
    o.sleep = [](auto) {};
    aws::Client client(o);
    auto r = client.json(aws::dynamodb_service(), "DynamoDB_20120810",
                         {"GetItem", "dynamodb:GetItem"}, "{}");
    ASSERT_TRUE(r) << r.error().message;
    const auto second = server.requests().at(1);
    EXPECT_NE(second.find("X-Amz-Date: " + aws::amz_date(server_now).substr(0, 11)),
              std::string::npos)
        << second;
    EXPECT_GT(client.clock_offset().count(), 0);
}

TEST(AwsClient, SecretsNeverReachTheVerboseLog) {
    std::ostringstream log;
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
    logger->set_level(spdlog::level::debug);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(logger);
    ScriptedServer server({{false, 500, {}, ""}, k_ok});
    Harness h(server);
    ASSERT_TRUE(h.get_item());
    spdlog::set_default_logger(previous);
    const std::string text = log.str();
    // The service and action are named (`slipway -v`), then the request and its status.
    EXPECT_NE(text.find("aws: dynamodb GetItem (POST " + server.url() + "/) -> 500"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("SECRETKEY123"), std::string::npos);
    EXPECT_EQ(text.find("TOKENABC"), std::string::npos);
    EXPECT_EQ(text.find("Signature="), std::string::npos);
    // The request itself carried the token and a signature, as it must.
    EXPECT_NE(server.requests().at(0).find("X-Amz-Security-Token: TOKENABC"), std::string::npos);
}

TEST(Retry, Classification) {
    EXPECT_EQ(aws::classify_error("ProvisionedThroughputExceededException", 400, ""),
              aws::Failure::throttling);
    EXPECT_EQ(aws::classify_error("RequestLimitExceeded", 503, ""), aws::Failure::throttling);
    EXPECT_EQ(aws::classify_error("SlowDown", 503, ""), aws::Failure::throttling);
    EXPECT_EQ(aws::classify_error("RequestTimeout", 400, ""), aws::Failure::transient);
    EXPECT_EQ(aws::classify_error("", 502, ""), aws::Failure::transient);
    EXPECT_EQ(aws::classify_error("ValidationError", 400, ""), aws::Failure::fatal);
    EXPECT_EQ(aws::classify_error("AccessDenied", 403, ""), aws::Failure::fatal);
    EXPECT_EQ(aws::classify_error("RequestTimeTooSkewed", 403, ""), aws::Failure::clock_skew);
    EXPECT_EQ(aws::classify_error("SignatureDoesNotMatch", 403, "Signature expired"),
              aws::Failure::clock_skew);
    EXPECT_EQ(aws::classify_error("SignatureDoesNotMatch", 403,
                                  "The request signature we calculated does not match"),
              aws::Failure::fatal);
}

TEST(Retry, FullJitterBounds) {
    aws::RetryConfig c;
    EXPECT_EQ(aws::backoff(1, 1.0, c), 1000ms);
    EXPECT_EQ(aws::backoff(3, 1.0, c), 4000ms);
    EXPECT_EQ(aws::backoff(10, 1.0, c), 20000ms);  // capped
    EXPECT_EQ(aws::backoff(2, 0.0, c), 0ms);
    EXPECT_EQ(aws::backoff(2, 0.5, c), 1000ms);
}

TEST(Retry, QuotaCosts) {
    aws::RetryConfig c;
    aws::RetryQuota q(c);
    EXPECT_EQ(q.acquire(aws::Failure::timeout), 10);
    EXPECT_EQ(q.acquire(aws::Failure::throttling), 5);
    EXPECT_EQ(q.available(), 485);
    q.on_success(15);
    EXPECT_EQ(q.available(), 500);
    q.on_success(0);
    EXPECT_EQ(q.available(), 500);  // capped
}

}  // namespace

namespace {

TEST(Endpoints, PerServiceOverridesWinOverTheGeneralOne) {
    auto env = aws::env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"},
                            {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"}});
    EXPECT_EQ(aws::resolve_endpoint(aws::dynamodb_service(), "eu-west-1", env),
              "http://127.0.0.1:2");
    EXPECT_EQ(aws::resolve_endpoint(aws::sts_service(), "eu-west-1", env), "http://127.0.0.1:1");
    auto none = aws::env_of({});
    EXPECT_EQ(aws::resolve_endpoint(aws::cloudformation_service(), "eu-west-1", none),
              "https://cloudformation.eu-west-1.amazonaws.com");
    EXPECT_EQ(aws::resolve_endpoint(aws::ecr_service(), "us-east-2", none),
              "https://api.ecr.us-east-2.amazonaws.com");
    EXPECT_EQ(aws::resolve_endpoint(aws::iam_service(), "us-east-2", none),
              "https://iam.amazonaws.com");
    auto ignored = aws::env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"},
                                {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}});
    EXPECT_EQ(aws::resolve_endpoint(aws::sts_service(), "us-east-1", ignored),
              "https://sts.us-east-1.amazonaws.com");
}

// TLS is always verified: a self-signed certificate for 127.0.0.1 is refused, unless the
// CA bundle given (AWS_CA_BUNDLE) holds it.
TEST(AwsClient, TlsIsVerifiedAgainstTheCaBundle) {
    if (!support::have_tools("openssl")) GTEST_SKIP() << "the openssl CLI is not installed";
    support::TempDir dir;
    const std::string cert = (dir.path() / "cert.pem").string(),
                      key = (dir.path() / "key.pem").string();
    ASSERT_EQ(support::run(
                  "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext "
                  "subjectAltName=IP:127.0.0.1 -keyout " +
                  key + " -out " + cert)
                  .status,
              0);
    const int port = support::free_port();
    auto server =
        support::run("openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert " +
                     cert + " -key " + key + " -www -quiet >/dev/null 2>&1 & echo $!");
    const long pid = std::stol(server.out);
    // Ready once it accepts a connection (a fixed sleep is not enough on a busy machine).
    for (int i = 0; i < 200; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        if (up) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto probe = [&](const std::string& ca) {
        aws::ClientOptions o;
        o.env = aws::env_of({{"AWS_ENDPOINT_URL", "https://127.0.0.1:" + std::to_string(port)}});
        o.region = "us-east-1";
        o.http.ca_bundle = ca;
        o.sleep = [](auto) {};
        aws::Client client(o);
        return client.send(aws::dynamodb_service(), {"Probe", "dynamodb:Probe"},
                           aws::Request{"GET", "/", {}, {}, ""});
    };
    auto untrusted = probe("");
    auto trusted = probe(cert);
    ::kill(static_cast<pid_t>(pid), SIGTERM);
    ASSERT_FALSE(untrusted);
    EXPECT_NE(untrusted.error().message.find("certificate"), std::string::npos)
        << untrusted.error().message;
    ASSERT_TRUE(trusted) << trusted.error().message;
    EXPECT_EQ(trusted->status, 200);
}

}  // namespace
