#pragma once
// The GitHub side of the tests (tests/github/prism_fixture.py, started once per ctest run as
// the fixture `github_prism`): Stoplight Prism mocking GitHub's REST API description, and
// Prism as a validation proxy in front of tests/github/github_fake.py (state: comments, check
// runs, deployments, App tokens; faults on demand). CTest passes the fixture's file in
// SLIPWAY_GITHUB_FIXTURE. Without it a test is skipped, except under CI=true, where a
// missing Prism is a failure.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace github_test {

struct Prism {
    std::string mock;   // Prism mocking GitHub's description
    std::string proxy;  // Prism validating, in front of the fake
    std::string fake;   // the fake itself (its /_fake/ control endpoints)

    /// The fixture's URLs, or empty ones (and the reason in `why`) when it is not running.
    static Prism find(std::string& why) {
        const char* file = std::getenv("SLIPWAY_GITHUB_FIXTURE");
        std::ifstream in(file ? file : "");
        if (!in) {
            why = std::string("Prism is not running (no ") +
                  (file ? file : "SLIPWAY_GITHUB_FIXTURE") +
                  "; ctest starts it as the fixture github_prism, which needs scripts/setup.sh's "
                  "npm ci in tests/github)";
            return {};
        }
        std::stringstream s;
        s << in.rdbuf();
        rapidjson::Document d;
        d.Parse(s.str().c_str());
        if (!d.IsObject()) return {};
        return {d["mock"].GetString(), d["proxy"].GetString(), d["fake"].GetString()};
    }

    static bool ci() {
        const char* v = std::getenv("CI");
        return v && std::string(v) == "true";
    }

    /// POSTs JSON to the fake's control endpoint `path`.
    void control(const std::string& path, const std::string& json) const {
        httplib::Client c(fake);
        auto r = c.Post(path, json, "application/json");
        ASSERT_TRUE(r && r->status == 200) << "fake " << path;
    }

    /// Forgets `repo`'s state (and sets up an App when `public_key` is given, whose
    /// installation tokens live `token_ttl` seconds).
    void reset(const std::string& repo, const std::string& app_id = "",
               const std::string& public_key = "", int token_ttl = 3600) const {
        std::string json = R"({"repo":")" + repo + R"(")";
        if (!public_key.empty()) {
            std::string escaped;
            for (char c : public_key) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
            json += R"(,"app_id":")" + app_id + R"(","public_key":")" + escaped +
                    R"(","token_ttl":)" + std::to_string(token_ttl);
        }
        control("/_fake/reset", json + "}");
    }

    /// The next `count` requests to a path containing `path` answer `status` with `headers`
    /// (a JSON object) and `body` (a JSON object).
    void fault(const std::string& repo, const std::string& path, int status, int count,
               const std::string& headers = "{}",
               const std::string& body = R"({"message":"fault"})") const {
        control("/_fake/faults", R"({"repo":")" + repo + R"(","path":")" + path + R"(","status":)" +
                                     std::to_string(status) + R"(,"count":)" +
                                     std::to_string(count) + R"(,"headers":)" + headers +
                                     R"(,"body":)" + body + "}");
    }

    /// The fake's state of `repo` as JSON.
    [[nodiscard]] rapidjson::Document state(const std::string& repo) const {
        httplib::Client c(fake);
        auto r = c.Get("/_fake/state?repo=" + repo);
        rapidjson::Document d;
        d.Parse(r ? r->body.c_str() : "{}");
        return d;
    }
};

/// A test that needs Prism: skipped without it (failed under CI=true).
class WithPrism : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        prism = Prism::find(why);
        if (prism.mock.empty()) {
            if (Prism::ci()) FAIL() << why;
            GTEST_SKIP() << why;
        }
    }
    Prism prism;
};

}  // namespace github_test
