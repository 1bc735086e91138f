// common::yaml's emitter: what it writes reads back (through common::yaml::parse) as the
// same text and style; plain only where that is safe; text that is not UTF-8 is refused.
#include "common/yaml_emit.hpp"

#include <gtest/gtest.h>

#include "common/yaml.hpp"

namespace {

// The scalar at `key` of "key: <emitted>", read back.
std::string read_back(const std::string& emitted, bool* plain = nullptr) {
    auto doc = common::yaml::parse("key: " + emitted + "\n", "t.yml");
    EXPECT_TRUE(doc) << emitted << ": " << (doc ? "" : doc.error().message);
    if (!doc) return "(unparsed)";
    const auto value = doc->root()["key"];
    if (plain) *plain = value.plain();
    return std::string(value.scalar());
}

TEST(YamlEmit, ScalarsReadBackAsWritten) {
    for (const std::string text :
         {"abc", "a: b", "#x", "- y", "caf\xc3\xa9", "line\nnext", "{component}-{build}", "[x]",
          "a, b", "'q'", "\"d\"", "tab\there", " lead", "trail "}) {
        auto out = common::yaml::emit_scalar({text});
        ASSERT_TRUE(out) << text;
        EXPECT_EQ(out->find('\n'), std::string::npos) << *out;
        EXPECT_EQ(read_back(*out), text) << *out;
    }
}

TEST(YamlEmit, PlainWhereSafeQuotedWhenAsked) {
    bool plain = false;
    EXPECT_EQ(*common::yaml::emit_scalar({"services/api"}), "services/api");
    EXPECT_EQ(*common::yaml::emit_scalar({"true", true}), "\"true\"");
    EXPECT_EQ(read_back(*common::yaml::emit_scalar({"1.5", true}), &plain), "1.5");
    EXPECT_FALSE(plain);
    EXPECT_EQ(read_back(*common::yaml::emit_scalar({""}), &plain), "");
    EXPECT_FALSE(plain);
    const std::string long_text(300, 'x');
    EXPECT_EQ(*common::yaml::emit_scalar({long_text + " " + long_text}),
              long_text + " " + long_text);  // never wrapped
}

TEST(YamlEmit, FlowSequencesQuoteWhatAFlowContextNeeds) {
    auto out = common::yaml::emit_flow_sequence({{"a"}, {"b, c"}, {"[x]"}, {"no", true}, {""}});
    ASSERT_TRUE(out);
    auto doc = common::yaml::parse("key: " + *out + "\n", "t.yml");
    ASSERT_TRUE(doc) << *out;
    std::vector<std::string> items;
    for (auto item : doc->root()["key"].children()) items.emplace_back(item.scalar());
    EXPECT_EQ(items, (std::vector<std::string>{"a", "b, c", "[x]", "no", ""}));
    EXPECT_EQ(*common::yaml::emit_flow_sequence({}), "[]");
}

TEST(YamlEmit, TextThatIsNotUtf8IsRefused) {
    auto out = common::yaml::emit_scalar({"x\xff"});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, common::ErrorCode::input);
    EXPECT_NE(out.error().message.find("cannot be written as YAML"), std::string::npos);
    EXPECT_FALSE(common::yaml::emit_flow_sequence({{"a"}, {"\xc3"}, {"b"}}));
}

}  // namespace
