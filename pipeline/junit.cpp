// See junit.hpp.
#include "pipeline/junit.hpp"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "pipeline/host.hpp"

namespace pipeline {
namespace {

double seconds(versioning::Millis ms) {
    return static_cast<double>(ms) / 1000.0;
}

// One build's test case: a failure with the log's end, or a skip.
void add_build_case(pugi::xml_node c, const SummaryRow& r, int& failures, int& skipped) {
    if (r.status == "failed" || r.status == "timed-out") {
        ++failures;
        auto f = c.append_child("failure");
        f.append_attribute("message") =
            (r.status == "timed-out" ? std::string("timed out")
                                     : fmt::format("exit code {}", r.exit_code.value_or(-1)))
                .c_str();
        f.text() = r.log_tail.c_str();
    } else if (r.status == "skipped" || r.status == "cancelled") {
        ++skipped;
        c.append_child("skipped").append_attribute("message") = r.status.c_str();
    }
    const std::string out =
        fmt::format("build #{} {}\nlog: {}", r.build_number, r.image_uri, r.log_path);
    c.append_child("system-out").text() = out.c_str();
}

}  // namespace

std::string junit_xml(const RunSummary& s) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto suites = doc.append_child("testsuites");
    auto suite = suites.append_child("testsuite");
    int tests = 0, failures = 0, skipped = 0;
    auto add_case = [&](const std::string& classname, const std::string& name, double time) {
        auto c = suite.append_child("testcase");
        c.append_attribute("classname") = classname.c_str();
        c.append_attribute("name") = name.c_str();
        c.append_attribute("time") = fmt::format("{:.3f}", time).c_str();
        ++tests;
        return c;
    };
    for (const auto& r : s.rows) {
        if (!r.built) continue;
        add_build_case(add_case("slipway.build", r.component, seconds(r.duration)), r, failures,
                       skipped);
    }
    if (s.result == "deployed" || s.result == "up-to-date" || s.result == "deploy-failed" ||
        s.result == "declined") {
        versioning::Millis millis = 0;
        for (const auto& p : s.phases)
            if (p.name == "deploy") millis = p.millis;
        auto c = add_case("slipway.deploy", s.env + " (" + s.stack + ")", seconds(millis));
        if (s.result == "deploy-failed" || s.result == "declined") {
            ++failures;
            auto f = c.append_child("failure");
            f.append_attribute("message") = ("stack ended " + s.stack_status).c_str();
        }
    }
    for (auto node : {suites, suite}) {
        node.append_attribute("name") = ("slipway run " + s.env).c_str();
        node.append_attribute("tests") = tests;
        node.append_attribute("failures") = failures;
        node.append_attribute("skipped") = skipped;
        node.append_attribute("time") =
            fmt::format("{:.3f}", seconds(s.finished_at - s.started_at)).c_str();
    }
    suite.append_attribute("timestamp") = iso_time(s.started_at).c_str();
    std::ostringstream out;
    doc.save(out, "  ");
    return out.str();
}

}  // namespace pipeline
