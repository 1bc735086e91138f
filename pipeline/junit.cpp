// See junit.hpp.
#include "pipeline/junit.hpp"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "common/path_text.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

// Text as XML 1.0 allows it: a build log's ANSI colour sequences (ESC [ ... letter) dropped,
// other control characters but tab, newline and CR as '?', bytes that are not UTF-8 as
// U+FFFD. pugixml would write them as they are or as references like &#27; -- which expat,
// Java's parsers and so the CI systems' report readers refuse as not well-formed.
std::string xml_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {
            i += 2;
            while (i < text.size() && (text[i] < 0x40 || text[i] > 0x7e)) ++i;
            i += i < text.size() ? 1 : 0;
            continue;
        }
        if (c < 0x80) {
            out += c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : static_cast<char>(c);
            ++i;
            continue;
        }
        const std::size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (i + length <= text.size() && common::is_utf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xef\xbf\xbd";  // U+FFFD
            ++i;
        }
    }
    return out;
}

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
        f.text() = xml_text(r.log_tail).c_str();
    } else if (r.status == "skipped" || r.status == "cancelled") {
        ++skipped;
        c.append_child("skipped").append_attribute("message") = xml_text(r.status).c_str();
    }
    const std::string out =
        fmt::format("build #{} {}\nlog: {}", r.build_number, r.image_uri, r.log_path);
    c.append_child("system-out").text() = xml_text(out).c_str();
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
        c.append_attribute("classname") = xml_text(classname).c_str();
        c.append_attribute("name") = xml_text(name).c_str();
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
            f.append_attribute("message") = xml_text("stack ended " + s.stack_status).c_str();
        }
    }
    for (auto node : {suites, suite}) {
        node.append_attribute("name") = xml_text("slipway run " + s.env).c_str();
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
