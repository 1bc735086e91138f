// `slipway serve` fetching its remote over real HTTPS: the fixture's bare origin served by
// git http-backend behind TLS on loopback (support/git_https_server.py), signed by a test
// CA the system does not trust. A run happens only where git's or OpenSSL's CA settings
// name that CA; otherwise the job fails with the certificate error and the store records
// no run, build or deployment; a CA file named but missing stops the start (exit 2).
#include "service/serve_fixture.hpp"
#include "support/git_https_server.hpp"

namespace serve_test {
namespace {

// The outer environment must not decide which CAs the service trusts.
const std::string k_no_ca_settings =
    "-u GIT_SSL_CAINFO -u GIT_SSL_CAPATH -u SSL_CERT_FILE -u SSL_CERT_DIR ";

class ServeHttps : public Serve {
  protected:
    void SetUp() override {
        Serve::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        server = std::make_unique<support::GitHttpsServer>(scratch.path().string());
        if (!server->available()) GTEST_SKIP() << server->why_not();
        auto set = support::run("git -C " + shell_quote(clone) + " remote set-url origin " +
                                shell_quote(server->url() + "/origin.git"));
        ASSERT_EQ(set.status, 0) << set.err;
    }

    // Pushes a change to origin, delivers its webhook, and waits for the job's end; the
    // job's status and reason.
    std::pair<std::string, std::string> run_a_push(ServeProcess& serve) {
        const std::string head = push_change("api", "v2");  // the clone does not have it
        auto r = deliver(serve.url, "d-1", "push", push_body("refs/heads/dev", head));
        if (!r || r->status != 202) return {"not queued", r ? r->body : "no answer"};
        const auto job = job_of(r);
        const std::string status = wait_for_job(serve.url, job);
        auto queue = get_json(serve.url, "/api/queue");
        for (const auto& j : queue["jobs"].GetArray())
            if (j["id"].GetInt64() == job) return {status, j["reason"].GetString()};
        return {status, ""};
    }

    std::unique_ptr<support::GitHttpsServer> server;
};

// How the CA reaches the service: a variable of its environment, or the clone's config.
class ServeHttpsTrusted : public ServeHttps, public ::testing::WithParamInterface<std::string> {};

TEST_P(ServeHttpsTrusted, TheRunFetchesOverHttpsAndDeploys) {
    std::string ca_env;
    if (GetParam() == "http.sslCAInfo")
        ASSERT_EQ(support::run("git -C " + shell_quote(clone) + " config http.sslCAInfo " +
                               shell_quote(server->ca_file()))
                      .status,
                  0);
    else
        ca_env = GetParam() + "=" + shell_quote(server->ca_file()) + " ";
    ServeProcess serve;
    ASSERT_TRUE(serve.start(k_no_ca_settings + ca_env + env, serve_args())) << serve.log();
    const auto [status, reason] = run_a_push(serve);
    EXPECT_EQ(status, "succeeded") << reason << "\n" << serve.log();
    EXPECT_EQ(sql("SELECT count(*) FROM deployments WHERE env = 'test' AND status = 'succeeded'"),
              "1\n");
    EXPECT_NE(server->requests().find("POST /origin.git/git-upload-pack 200"), std::string::npos)
        << server->requests();
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
}

INSTANTIATE_TEST_SUITE_P(CaSettings, ServeHttpsTrusted,
                         ::testing::Values("GIT_SSL_CAINFO", "http.sslCAInfo", "SSL_CERT_FILE"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = param.param;
                             std::erase(name, '.');
                             std::erase(name, '_');
                             return name;
                         });

TEST_F(ServeHttps, AServerNoSettingTrustsIsRefusedAndNothingIsRecorded) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(k_no_ca_settings + env, serve_args())) << serve.log();
    const auto [status, reason] = run_a_push(serve);
    EXPECT_EQ(status, "failed") << serve.log();
    EXPECT_TRUE(reason.starts_with("fetching remote 'origin': the SSL certificate is invalid"))
        << reason;
    EXPECT_EQ(reason.find('\n'), std::string::npos) << reason;
    EXPECT_EQ(sql("SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM builds) + "
                  "(SELECT count(*) FROM deployments)"),
              "0\n");
    EXPECT_EQ(server->requests(), "");  // the handshake was given up before any request
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
}

TEST_F(ServeHttps, AMissingCaFileNamedByGitSslCainfoStopsTheStart) {
    const std::string missing = (scratch.path() / "no-such-ca.pem").string();
    ServeProcess serve;
    EXPECT_FALSE(serve.start(
        k_no_ca_settings + "GIT_SSL_CAINFO=" + shell_quote(missing) + " " + env, serve_args()));
    EXPECT_EQ(serve.exit_status(), 2) << serve.log();
    // One line (under LSan its report of suppressed third-party leaks may follow).
    const std::string log = serve.log();
    EXPECT_EQ(log.substr(0, log.find('\n')),
              "slipway: error: remote 'origin': cannot read CA file " + missing +
                  " (GIT_SSL_CAINFO): No such file or directory")
        << log;
    EXPECT_EQ(log.find("slipway:", 1), std::string::npos) << log;
    EXPECT_EQ(server->requests(), "");
}

}  // namespace
}  // namespace serve_test
