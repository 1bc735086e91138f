// common::yaml: libyaml's events as a document of positioned nodes, with tags, styles,
// aliases and the limits that stop hostile input.
#include "common/yaml.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <regex>

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
    const auto doc =
        parsed("a: !Ref X\nb: !GetAtt [A, B]\nc: !!str 12\nd: \"12\"\ne: |\n  text\nf: ! 12\n");
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
    EXPECT_EQ(error_of("a: 12345678901", small),
              "t.yml:1:1: the file is 14 bytes, over the limit of 10 bytes");
    EXPECT_EQ(error_of("[[[1]]]", small), "t.yml:1:3: nested deeper than 2 levels");
    small.max_bytes = 100;
    EXPECT_EQ(error_of("- &a [1, 2]\n- *a\n- *a\n", small),
              "t.yml:3:3: aliases expand the document by more than 5 nodes");
}

TEST(Yaml, OneDocumentAndSyntaxErrors) {
    EXPECT_EQ(error_of("a: 1\n---\nb: 2\n"),
              "t.yml:2:1: a second YAML document: the file must hold exactly one");
    EXPECT_EQ(parsed("").root().kind(), Kind::null);
    EXPECT_EQ(parsed("# only a comment\n").root().kind(), Kind::null);
    EXPECT_EQ(error_of("a: [1, 2\n"),
              "t.yml:2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
              "sequence at line 1, column 4)");
    EXPECT_EQ(error_of("a: b\n\xff\n"), "t.yml:2:1: invalid YAML: invalid leading UTF-8 octet");
}

// Walks every node (through aliases too), as a reader of the document would.
std::size_t walk(const common::yaml::Node& n, int depth) {
    std::size_t seen = 1;
    EXPECT_GT(n.line(), 0);
    EXPECT_GT(n.column(), 0);
    EXPECT_LT(depth, 70);
    (void)n.scalar();
    (void)n.tag();
    if (n.is_map()) {
        for (const auto& [key, value] : n.entries())
            seen += walk(key, depth + 1) + walk(value, depth + 1);
    } else {
        for (auto child : n.children()) seen += walk(child, depth + 1);
    }
    return seen;
}

// A bounded fuzz of the document builder: YAML with anchors, aliases, tags, flow and block
// collections, mutated; every result parses within the limits (and walks) or fails with
// "file:line:column: ". Deterministic; a few seconds at most (SLIPWAY_FUZZ_SECONDS and
// SLIPWAY_FUZZ_SEED run it longer, or differently, by hand).
TEST(YamlFuzz, MutatedDocumentsParseWithinLimitsOrFailWithAPosition) {
    const std::string seed_text = R"(a: &x {b: [1, 'two', "three"], c: !Ref d}
e: *x
f: !GetAtt [g, h]
i: |
  block
j: >-
  folded
? [k, l]
: {m: *x, n: ~, o: !!str 5}
p:
  - - q
    - &y r
  - *y
)";
    const std::vector<std::string> tokens = {
        "[",  "]",     "{",     "}",  ":",    ": ",       "- ",
        "\n", "\n  ",  "&a ",   "*a", "*x",   "&x ",      "!",
        "!!", "!Sub ", "'",     "\"", "#",    "|",        ">",
        "? ", "---\n", "...\n", "\t", "\xff", "\xe2\x80", "%TAG ! tag:x,1:\n",
        ",",  "\\"};
    const char* seconds_env = std::getenv("SLIPWAY_FUZZ_SECONDS");
    const char* seed_env = std::getenv("SLIPWAY_FUZZ_SEED");
    std::mt19937 random(seed_env ? static_cast<unsigned>(std::atoi(seed_env)) : 2024u);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::seconds(seconds_env ? std::atoi(seconds_env) : 2);
    const bool bounded = seconds_env == nullptr;
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
    };
    common::yaml::Limits limits;
    limits.max_alias_nodes = 10000;
    std::string text = seed_text;
    int parsed_ok = 0, tried = 0;
    for (; (!bounded || tried < 30000) && std::chrono::steady_clock::now() < deadline; ++tried) {
        if (tried % 10 == 0) text = seed_text;
        const std::size_t at = pick(text.size() + 1);
        switch (pick(3)) {
            case 0:
                text.erase(at, 1 + pick(6));
                break;
            case 1:
                text.insert(at, tokens[pick(tokens.size())]);
                break;
            default:
                text.insert(at, text.substr(pick(text.size() + 1), pick(30)));
        }
        auto doc = common::yaml::parse(text, "f.yml", limits);
        if (!doc) {
            static const std::regex positioned(R"(^f\.yml:\d+:\d+: [^\n]+$)");
            ASSERT_TRUE(std::regex_match(doc.error().message, positioned))
                << doc.error().message << "\n--- input ---\n"
                << text;
            continue;
        }
        ++parsed_ok;
        EXPECT_LE(walk(doc->root(), 0), text.size() * 4 + limits.max_alias_nodes + 16) << text;
    }
    EXPECT_GT(tried, 500);
    EXPECT_GT(parsed_ok, 0);
}

}  // namespace
