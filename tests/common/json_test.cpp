// common/json: the one escaping rule of slipway's JSON (docs/json.md) -- whatever bytes come
// in through any of JsonOut's writers, the document is valid UTF-8 JSON, well-formed text is
// kept as it is, and each byte that starts no well-formed sequence is U+FFFD.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace {

// Parses `text` as JSON, insisting on valid UTF-8 (rapidjson's own check).
testing::AssertionResult valid_utf8_json(const std::string& text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(text.c_str(), text.size());
    if (!d.HasParseError()) return testing::AssertionSuccess();
    return testing::AssertionFailure() << rapidjson::GetParseError_En(d.GetParseError())
                                       << " at " << d.GetErrorOffset() << " in " << text;
}

const std::string k_replacement = "\xEF\xBF\xBD";

// Text from outside: a Latin-1 'é', a lone continuation byte, a truncated 3-byte sequence,
// an overlong '/', a surrogate, a code point past U+10FFFF, and a NUL.
const std::vector<std::string> k_bad = {
    "caf\xE9",       "\x80start",     "end\xE2\x82",        "over\xC0\xAFlong",
    "sur\xED\xA0\x80", "big\xF4\x90\x80\x80", std::string("nul\0byte", 8)};

TEST(JsonOut, EveryWriterOfTextGivesValidUtf8) {
    for (const auto& bad : k_bad) {
        common::JsonOut j;
        j.begin_object();
        j.key(bad).value(bad);
        j.field("field", bad);
        j.field("optional", std::optional<std::string>(bad));
        j.field_or_null("maybe", true, bad);
        j.key("list").begin_array().value(bad).value(bad.c_str()).end_array();
        j.path_field("path", bad);
        j.end_object();
        EXPECT_TRUE(valid_utf8_json(j.str())) << "input " << testing::PrintToString(bad);
    }
}

TEST(JsonOut, InvalidBytesBecomeTheReplacementCharacterAndTheRestStays) {
    common::JsonOut j;
    j.begin_object().field("author", std::string("Ren\xE9 M\xFCller")).end_object();
    rapidjson::Document d;
    d.Parse(j.str().c_str());
    ASSERT_FALSE(d.HasParseError());
    EXPECT_EQ(std::string(d["author"].GetString()), "Ren" + k_replacement + " M" + k_replacement +
                                                        "ller");
}

TEST(JsonOut, WellFormedTextIsKeptByteForByte) {
    const std::string text = "na\xC3\xAFve \xE2\x9C\x93 \xF0\x9F\x9A\x80 tab\there";
    common::JsonOut j;
    j.begin_object().field("t", text).end_object();
    rapidjson::Document d;
    d.Parse(j.str().c_str());
    ASSERT_FALSE(d.HasParseError());
    EXPECT_EQ(std::string(d["t"].GetString()), text);
}

TEST(JsonOut, APathIsLosslessNotReplaced) {
    // A path is not text: its invalid bytes are quoted as git quotes them, so two paths that
    // differ only in such bytes stay two.
    common::JsonOut a, b;
    a.begin_object().path_field("p", "dir\xE9/x.log").end_object();
    b.begin_object().path_field("p", "dir\xE8/x.log").end_object();
    EXPECT_TRUE(valid_utf8_json(a.str()));
    EXPECT_NE(a.str(), b.str());
    EXPECT_EQ(a.str().find(k_replacement), std::string::npos);
}

TEST(JsonText, ReplacesOnlyWhatIsNotWellFormed) {
    EXPECT_EQ(common::json_text("plain"), "plain");
    EXPECT_EQ(common::json_text("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(common::json_text("caf\xE9"), "caf" + k_replacement);
    EXPECT_EQ(common::json_text("\xE2\x82"), k_replacement + k_replacement);
}

}  // namespace
