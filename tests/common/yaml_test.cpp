// common::yaml: libyaml's events as a document of positioned nodes, with tags, styles,
// aliases and the limits that stop hostile input.
#include "common/yaml.hpp"

#include <gtest/gtest.h>

namespace {

using common::yaml::Kind;

common::yaml::Document parsed(std::string_view text) {
    auto doc = common::yaml::parse(text, "t.yml");
    EXPECT_TRUE(doc) << doc.error().message;
    return doc ? std::move(*doc) : common::yaml::Document();
}

std::string error_of(std::string_view text, const common::yaml::Limits& limits = {}) {
    auto doc = common::yaml::parse(text, "t.yml", limits);
    return doc ? "(parsed)" : doc.error().message;
}

TEST(Yaml, MapsListsScalarsAndPositions) {
    const auto doc = parsed("a: 1\nb:\n  - x\n  - 'y'\nc: {d: ~}\ne:\n");
    const auto root = doc.root();
    ASSERT_TRUE(root.is_map());
    EXPECT_EQ(root.size(), 4u);
    EXPECT_EQ(root["a"].scalar(), "1");
    EXPECT_TRUE(root["a"].plain());
    EXPECT_EQ(root["b"].size(), 2u);
    std::vector<std::string> items;
    for (auto item : root["b"].children()) items.emplace_back(item.scalar());
    EXPECT_EQ(items, (std::vector<std::string>{"x", "y"}));
    auto second = *std::next(root["b"].children().begin());
    EXPECT_FALSE(second.plain());
    EXPECT_EQ(doc.where(second), "t.yml:4:5");
    EXPECT_EQ(doc.where(root["b"]), "t.yml:3:3");
    EXPECT_TRUE(root["c"]["d"].is_null());
    EXPECT_TRUE(root["e"].is_null());
    EXPECT_TRUE(root["e"]);
    EXPECT_FALSE(root["f"]);
    EXPECT_FALSE(root["a"]["x"]);
    std::vector<std::string> keys;
    for (const auto& [key, value] : root.entries()) keys.emplace_back(key.scalar());
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c", "e"}));
}

TEST(Yaml, TagsAndStylesAsWritten) {
    const auto doc = parsed(
        "a: !Ref X\nb: !GetAtt [A, B]\nc: !!str 12\nd: \"12\"\ne: |\n  text\nf: ! 12\n");
    const auto root = doc.root();
    EXPECT_EQ(root["a"].tag(), "!Ref");
    EXPECT_EQ(root["a"].scalar(), "X");
    EXPECT_EQ(root["b"].tag(), "!GetAtt");
    EXPECT_TRUE(root["b"].is_sequence());
    EXPECT_EQ(root["c"].tag(), "tag:yaml.org,2002:str");
    EXPECT_EQ(root["d"].tag(), "");
    EXPECT_FALSE(root["d"].plain());
    EXPECT_EQ(root["e"].scalar(), "text\n");
    EXPECT_FALSE(root["e"].plain());
    EXPECT_EQ(root["f"].tag(), "!");
}

TEST(Yaml, AliasesResolveAndReportWhereTheyAreWritten) {
    const auto doc = parsed("a: &x [1, 2]\nb: *x\n");
    const auto b = doc.root()["b"];
    EXPECT_TRUE(b.is_sequence());
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(doc.where(b), "t.yml:2:4");
    EXPECT_EQ(b.id(), doc.root()["a"].id());
    EXPECT_EQ(error_of("a: *x\n"), "t.yml:1:4: unknown alias '*x'");
    EXPECT_EQ(error_of("a: &x [*x]\n"), "t.yml:1:8: alias '*x' refers to a node that contains it");
}

TEST(Yaml, LimitsFailWithAPosition) {
    common::yaml::Limits small;
    small.max_bytes = 10;
    small.max_depth = 2;
    small.max_alias_nodes = 5;
    EXPECT_EQ(error_of("a: 12345678901", small), "t.yml:1:1: the file is 14 bytes, over the limit of 10 bytes");
    EXPECT_EQ(error_of("[[[1]]]", small), "t.yml:1:3: nested deeper than 2 levels");
    small.max_bytes = 100;
    EXPECT_EQ(error_of("- &a [1, 2]\n- *a\n- *a\n", small),
              "t.yml:3:3: aliases expand the document by more than 5 nodes");
}

TEST(Yaml, OneDocumentAndSyntaxErrors) {
    EXPECT_EQ(error_of("a: 1\n---\nb: 2\n"), "t.yml:2:1: a second YAML document: the file must hold exactly one");
    EXPECT_EQ(parsed("").root().kind(), Kind::null);
    EXPECT_EQ(parsed("# only a comment\n").root().kind(), Kind::null);
    EXPECT_EQ(error_of("a: [1, 2\n"),
              "t.yml:2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
              "sequence at line 1, column 4)");
    EXPECT_EQ(error_of("a: b\n\xff\n"), "t.yml:2:1: invalid YAML: invalid leading UTF-8 octet");
}

}  // namespace
