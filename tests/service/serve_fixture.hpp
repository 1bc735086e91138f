#pragma once
// The fixtures of the `slipway serve` end-to-end tests: a real `slipway serve` process on a
// free loopback port, a developer's repository that pushes to a bare origin (so the service
// really fetches), moto_server as AWS, and real HTTP requests (cpp-httplib's client).
// Results are checked with the aws CLI and sqlite3, not only with the service's own API.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "aws/crypto.hpp"
#include "support/git_repo.hpp"
#include "support/moto.hpp"

namespace serve_test {

using support::shell_quote;

// A `slipway serve` process; stderr and stdout in a log file; SIGKILLed on destruction.
class ServeProcess {
  public:
    ServeProcess() = default;
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;
    ~ServeProcess() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }

    // Starts `env slipway serve <args>` and waits (30 s at most) until it listens.
    bool start(const std::string& env, const std::string& args) {
        m_log = (m_dir.path() / "serve.log").string();
        const std::string command = "exec env " + env + " " +
                                    shell_quote(support::slipway_binary()) + " serve " + args +
                                    " >>" + shell_quote(m_log) + " 2>&1";
        m_pid = ::fork();
        if (m_pid == 0) {
            ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        const std::regex listening("listening on (http://127\\.0\\.0\\.1:[0-9]+)");
        for (int i = 0; i < 600; ++i) {
            std::smatch m;
            const std::string text = log();
            if (std::regex_search(text, m, listening)) {
                url = m[1];
                return true;
            }
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    // SIGTERM, then waits up to `timeout` for the exit status (-1: still running).
    int terminate(std::chrono::seconds timeout) {
        if (m_pid <= 0) return m_exit;
        ::kill(m_pid, SIGTERM);
        return wait_exit(timeout);
    }

    int wait_exit(std::chrono::seconds timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return m_exit;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return -1;
    }

    void signal(int sig) const {
        if (m_pid > 0) ::kill(m_pid, sig);
    }

    void kill9() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

    [[nodiscard]] std::string log() const {
        std::ifstream in(m_log);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    [[nodiscard]] int exit_status() const { return m_exit; }
    [[nodiscard]] int pid() const { return m_pid; }

    std::string url;

  private:
    support::TempDir m_dir;
    std::string m_log;
    pid_t m_pid = -1;
    int m_exit = -1;
};

constexpr const char* k_secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSERVESECRET";
constexpr const char* k_webhook_secret = "hook-secret-that-must-not-leak";

constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop, tag: "{component}-{build}-{short_commit}"}
components:
  api: {paths: [api/], parameter: ApiImage, build: "sh build.sh api"}
  web: {paths: [web/], parameter: WebImage, build: "sh build.sh web"}
  stack: {paths: [template.yml], kind: config}
environments:
  test:
    stack: shop-test
    region: us-east-1
    template: template.yml
    trigger: {branch: dev}
    parameters: {Stage: test}
  prod:
    stack: shop-prod
    region: us-east-1
    template: template.yml
    promote_from: test
    parameters: {Stage: prod}
)";

constexpr const char* k_template = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [test, prod]}
  ApiImage: {Type: String}
  WebImage: {Type: String}
Resources:
  Catalog:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /shop/${Stage}/api
      Type: String
      Value: !Ref ApiImage
)";

// A build waits while the file named by TEST_BUILD_GATE exists (the tests hold a run).
constexpr const char* k_build = R"(set -e
while [ -n "$TEST_BUILD_GATE" ] && [ -e "$TEST_BUILD_GATE" ]; do sleep 0.05; done
echo "$1 built as $SLIPWAY_IMAGE_URI"
)";

class Serve : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (!support::have_tools("aws sqlite3")) GTEST_SKIP() << "needs the aws CLI and sqlite3";
        gate = (scratch.path() / "gate").string();
        env = "AWS_ENDPOINT_URL=" + moto.url() + " AWS_ACCESS_KEY_ID=AKIDSERVETEST" +
              " AWS_SECRET_ACCESS_KEY=" + k_secret +
              " AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 CI=true" +
              " TEST_BUILD_GATE=" + gate + " ";
        dev.write("slipway.yml", manifest_text());
        dev.write("template.yml", k_template);
        dev.write("build.sh", k_build);
        dev.write("api/main.py", "v1\n");
        dev.write("web/main.py", "v1\n");
        dev.commit("init");
        dev.git("checkout -q -b dev");
        const auto origin = (scratch.path() / "origin.git").string();
        ASSERT_EQ(support::run("git init -q --bare -b main " + shell_quote(origin)).status, 0);
        dev.git("remote add origin " + shell_quote(origin));
        dev.git("push -q origin main dev");
        clone = (scratch.path() / "clone").string();
        auto cloned =
            support::run("git clone -q " + shell_quote(origin) + " " + shell_quote(clone));
        ASSERT_EQ(cloned.status, 0) << cloned.err;
        std::ofstream(scratch.path() / "secret") << k_webhook_secret << "\n";
    }

    virtual std::string manifest_text() const { return k_manifest; }

    // Options every test passes: the clone, the secret, no reconciler unless asked.
    std::string serve_args(const std::string& extra = "") const {
        return "--listen 127.0.0.1:0 --repo " + shell_quote(clone) + " --webhook-secret-file " +
               shell_quote((scratch.path() / "secret").string()) + " --reconcile-every 0 " + extra;
    }

    // A commit on dev that changes `component`, pushed to origin; its id.
    std::string push_change(const std::string& component, const std::string& text) {
        dev.write(component + "/main.py", text + "\n");
        const std::string head = dev.commit(component + ": " + text);
        dev.git("push -q origin dev");
        return head;
    }

    static std::string push_body(const std::string& ref, const std::string& head,
                                 bool deleted = false,
                                 const std::string& repository = "acme/shop") {
        return R"({"ref":")" + ref + R"(","before":"0000000000000000000000000000000000000000",)" +
               R"("after":")" + head + R"(","deleted":)" + (deleted ? "true" : "false") +
               R"(,"pusher":{"name":"alice"},"repository":{"full_name":")" + repository +
               R"("}})";
    }

    static std::string signature(const std::string& body,
                                 const std::string& secret = k_webhook_secret) {
        return "sha256=" + aws::to_hex(aws::hmac_sha256(secret, body));
    }

    // POSTs a GitHub delivery, signed unless `sig` is given.
    static httplib::Result deliver(const std::string& url, const std::string& id,
                                   const std::string& event, const std::string& body,
                                   const std::string& sig = "") {
        httplib::Client c(url);
        c.set_read_timeout(std::chrono::seconds(10));
        httplib::Headers h{{"X-GitHub-Event", event},
                           {"X-GitHub-Delivery", id},
                           {"X-Hub-Signature-256", sig.empty() ? signature(body) : sig}};
        return c.Post("/hooks/github", h, body, "application/json");
    }

    static rapidjson::Document get_json(const std::string& url, const std::string& path) {
        httplib::Client c(url);
        c.set_read_timeout(std::chrono::seconds(10));
        rapidjson::Document d;
        auto r = c.Get(path);
        if (!r || r->status != 200) {
            ADD_FAILURE() << "GET " << path << ": "
                          << (r ? std::to_string(r->status) : "no answer");
            d.SetObject();
            return d;
        }
        d.Parse(r->body.c_str());
        return d;
    }

    // Waits (90 s at most) until job `id` of the queue is in a final state; its status.
    static std::string wait_for_job(const std::string& url, std::int64_t id) {
        for (int i = 0; i < 900; ++i) {
            auto q = get_json(url, "/api/queue");
            if (!q.IsObject() || !q.HasMember("jobs")) return "";
            for (const auto& j : q["jobs"].GetArray()) {
                if (j["id"].GetInt64() != id) continue;
                const std::string status = j["status"].GetString();
                if (status != "pending" && status != "running") return status;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return "timeout";
    }

    // Waits until job `id` runs.
    static bool wait_running(const std::string& url, std::int64_t id) {
        for (int i = 0; i < 600; ++i) {
            auto q = get_json(url, "/api/queue");
            for (const auto& j : q["jobs"].GetArray())
                if (j["id"].GetInt64() == id && std::string(j["status"].GetString()) == "running")
                    return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    support::CommandResult aws(const std::string& args) {
        return support::run(env + "aws --endpoint-url " + moto.url() + " --output json " + args);
    }

    // A stack parameter as the aws CLI reports it ("" without the stack).
    std::string stack_parameter(const std::string& stack, const std::string& key) {
        auto r = aws("cloudformation describe-stacks --stack-name " + stack);
        if (r.status != 0) return "";
        rapidjson::Document d;
        d.Parse(r.out.c_str());
        for (const auto& p : d["Stacks"][0]["Parameters"].GetArray())
            if (key == p["ParameterKey"].GetString()) return p["ParameterValue"].GetString();
        return "";
    }

    // One query on a store file with the sqlite3 CLI.
    std::string sql(const std::string& query, const std::string& db = "") {
        const std::string file = db.empty() ? clone + "/.slipway/state.db" : db;
        auto r = support::run("sqlite3 " + shell_quote(file) + " " + shell_quote(query));
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    }

    // Waits (60 s at most) until `query` answers `expected`.
    bool wait_for_sql(const std::string& query, const std::string& expected,
                      const std::string& db = "") {
        for (int i = 0; i < 600; ++i) {
            if (sql(query, db) == expected) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    static std::int64_t job_of(const httplib::Result& r) {
        rapidjson::Document d;
        d.Parse(r->body.c_str());
        return d.IsObject() && d.HasMember("job") ? d["job"].GetInt64() : 0;
    }

    support::MotoServer moto;
    support::GitRepo dev;  // the developer's repository; pushes to origin
    support::TempDir scratch;
    std::string clone;  // the service's clone of origin
    std::string gate;
    std::string env;
};

}  // namespace serve_test
