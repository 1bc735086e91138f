// common::yaml: libyaml's events as a document of positioned nodes, with tags, styles,
// aliases and the limits that stop hostile input.
#include "common/yaml.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
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

// --- the fast reader of the manifest's subset (yaml_simple.cpp) against libyaml ---------

namespace simple {

using common::yaml::detail::parse_libyaml;
using common::yaml::detail::parse_simple;

// Both documents hold the same nodes in the same order: kind, style, position, text, tag
// and links (what every reader of a Document can observe).
::testing::AssertionResult same_document(const common::yaml::Document& a,
                                         const common::yaml::Document& b) {
    if (a.node_count() != b.node_count())
        return ::testing::AssertionFailure()
               << "node counts " << a.node_count() << " and " << b.node_count();
    for (std::size_t i = 0; i < a.node_count(); ++i) {
        const auto& x = a.at(static_cast<std::int32_t>(i));
        const auto& y = b.at(static_cast<std::int32_t>(i));
        const auto text = [](const common::yaml::Document& d, const common::yaml::NodeData& n) {
            return d.strings().substr(n.text_offset, n.text_size);
        };
        if (x.kind != y.kind || x.plain != y.plain || x.line != y.line || x.column != y.column ||
            x.first_child != y.first_child || x.next != y.next || x.size != y.size ||
            x.tagged != y.tagged ||
            ((x.kind == Kind::scalar || x.kind == Kind::null) && text(a, x) != text(b, y))) {
            return ::testing::AssertionFailure()
                   << "node " << i << ": kind " << int(x.kind) << "/" << int(y.kind) << " plain "
                   << x.plain << "/" << y.plain << " at " << x.line << ":" << x.column << " / "
                   << y.line << ":" << y.column << " text '" << text(a, x) << "' / '" << text(b, y)
                   << "' size " << x.size << "/" << y.size << " first " << x.first_child << "/"
                   << y.first_child << " next " << x.next << "/" << y.next;
        }
    }
    return ::testing::AssertionSuccess();
}

// What the fast reader makes of `text`: declined, or the same document as libyaml's.
enum class Outcome { declined, same };

Outcome compare(const std::string& text, const common::yaml::Limits& limits = {}) {
    auto fast = parse_simple(text, "t.yml", limits);
    if (!fast) return Outcome::declined;
    auto slow = parse_libyaml(text, "t.yml", limits);
    EXPECT_TRUE(slow) << "the fast reader accepted what libyaml refuses ("
                      << (slow ? "" : slow.error().message) << "):\n"
                      << text;
    if (slow) {
        EXPECT_TRUE(same_document(*fast, *slow)) << text;
    }
    return Outcome::same;
}

const char* const k_manifest = R"(# A manifest in the style slipway init writes.
version: 1
project: shop
image:
  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop
  tag: "{component}-{build}"
global_inputs: [/package.json, slipway.yml]   # every component
ignore: ['**/*.md', "docs/"]
components:
  api:
    paths: [services/api/, "!services/api/**/*.test.ts"]
    depends_on: [core, ui-kit]
    parameter: ApiImage
    build: make -C services/api image TAG=$TAG && echo done # built by make
    timeout: 20m

  core:   # a library
    paths:
      - libs/core/
      - 'libs/shared/'
      - [nested, flow]
    kind: library
    depends_on: []
  ui-kit: {paths: [libs/ui/], kind: library}
environments:
  test:
    stack: shop-test
    region: eu-west-1
    parameters:
      Env: test
      Empty:
      Null: ~
    tags: {team: web, cost: "42"}
    capabilities: [CAPABILITY_IAM]
    trigger:
      branch: main
  prod:
    stack: shop-prod
    promote_from: test
    base:
)";

TEST(YamlSimple, ReadsAManifestAsLibyamlDoes) {
    EXPECT_EQ(compare(k_manifest), Outcome::same);
    // Spacing variants: indentation widths, blank and comment lines, spaces before commas.
    EXPECT_EQ(compare("a:\n    b: 1\n    c:\n        - x\n        - y\nd: [ a , 'b' ,c ]\n"),
              Outcome::same);
    EXPECT_EQ(compare("a: 1\n\n   \n# c\n  # indented comment\nb: '' \nc: \"\"\nd: []\ne: {}\n"),
              Outcome::same);
    EXPECT_EQ(compare("a:\n  b:\nc: x # y\n"), Outcome::same);
    EXPECT_EQ(compare("a: x\n    # a more indented comment after a scalar\nb: y"), Outcome::same);
    EXPECT_EQ(compare("a: x#y\nb: x # y\nc: 'a # b'\nd: http://x/y?z=1\ne: a,b [c] {d}\n"),
              Outcome::same);
    EXPECT_EQ(compare("null: 1\nNULL:\nk: Null\nl: ~\n"), Outcome::same);
    // The two shapes bench/cold_affected.py measures.
    EXPECT_EQ(compare("version: 1\nimage: {repository: 1.dkr.ecr.us-east-1.amazonaws.com/s}\n"
                      "global_inputs: [/package.json, /package-lock.json]\n"
                      "ignore: [\"**/*.md\"]\ncomponents:\n  lib0000:\n    paths: [libs/lib0000/]\n"
                      "    kind: library\n  svc0001:\n    paths: [services/svc0001/]\n"
                      "    depends_on: [lib0000]\n    parameter: Psvc0001\n    build: \"true\"\n"),
              Outcome::same);
    EXPECT_EQ(compare("# One component per package\ncomponents:\n  data-0000:\n"
                      "    paths: [packages/data-0000/]\n    kind: library\n  jobs-0001:\n"
                      "    paths: [packages/jobs-0001/]\n    depends_on: [data-0000]\n"
                      "    parameter: Jobs0001\n    build: npm run build -w jobs-0001\n"),
              Outcome::same);
}

TEST(YamlSimple, LeavesEverythingElseToLibyaml) {
    for (const char* text : {
             "",
             "# only a comment\n",
             "- a\n- b\n",              // a sequence at the top
             "a:\n- b\n",               // a sequence as indented as its key
             "a: b\n  c\n",             // a plain scalar over two lines
             "a: [b,\n  c]\n",          // a flow sequence over two lines
             "a: [b, ]\n",              // a trailing comma
             "a:\tb\n",                 // a tab
             "a: b\r\n",                // a carriage return
             "a: caf\xc3\xa9\n",        // UTF-8
             "a: &x b\nc: *x\n",        // anchors and aliases
             "a: !Ref b\n",             // tags
             "a: |\n  b\n",             // block scalars
             "a: \"b\\n\"\n",           // escapes
             "a: 'it''s'\n",            // a quoted quote
             "a: b: c\n",               // a mapping value in a scalar
             "? a\n: b\n",              // an explicit key
             "a: 1\n---\nb: 2\n",       // a second document
             "a b: 1\n",                // a key with a space
             "a : 1\n",                 // a space before the colon
             "a:b\n",                   // no space after the colon
             "a: [b:c]\n",              // a colon in a flow scalar
             "a: [b?c]\n",              // '?' in a flow scalar
             "a: [[b]]\n",              // nested flow collections
             "a:\n  - b: c\n",          // a mapping in a sequence
             "a:\n  - - b\n",           // a sequence in a sequence
             "a: 1\n b: 2\n",           // a key indented oddly
             "a:\n    b: 1\n  c: 2\n",  // a dedent to no known level
             "a: \"b\"c\n",             // text after a quoted scalar
             "a: *b\n",
             "a: @b\n",
             "a: `b`\n",
             "a: %b\n",
             "a: -b\n",
             "a: ,b\n",
         }) {
        EXPECT_EQ(compare(text), Outcome::declined) << text;
    }
}

TEST(YamlSimple, DeclinesPastTheDepthLimitSoLibyamlReportsIt) {
    common::yaml::Limits shallow;
    shallow.max_depth = 2;
    EXPECT_EQ(compare("a:\n  b: [c]\n", shallow), Outcome::declined);
    EXPECT_EQ(compare("a:\n  b: c\n", shallow), Outcome::same);
    EXPECT_EQ(common::yaml::parse("a:\n  b: [c]\n", "t.yml", shallow).error().message,
              "t.yml:2:6: nested deeper than 2 levels");
}

// Manifests generated from parts (keys, scalars of every style the subset has, flow and
// block collections, comments, blank lines, indentation widths): each must be read by the
// fast reader and give libyaml's document.
std::string generated_manifest(std::mt19937& random) {
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
    };
    const std::vector<std::string> scalars = {
        "a",        "svc-0001", "libs/core/", "\"q u o\"", "'single'", "make -C x all", "~",
        "null",     "\"\"",     "''",         "1h30m",     "true",     "a#b",           "x: y",
        "http://h", "$X",       ".hidden",    "a [b] {c}", "2",        "\" spaced \"",  "(x)"};
    const std::vector<std::string> flow_items = {"a",    "b-c",  "\"q\"", "'s'", "x/y/",
                                                 "*.md", "!neg", "1",     "~",   "a b"};
    auto flow_seq = [&] {
        std::string out = "[";
        const std::size_t n = pick(4);
        for (std::size_t i = 0; i < n; ++i) {
            const std::string& item = flow_items[pick(flow_items.size())];
            if (item == "*.md" || item == "!neg") {
                out += (i ? ", " : "") + std::string("\"") + item + "\"";
            } else {
                out += (i ? (pick(2) ? ", " : " ,") : "") + item;
            }
        }
        return out + (pick(2) ? "]" : " ]");
    };
    std::string out = pick(2) ? "# generated\n" : "";
    const int width = 1 + static_cast<int>(pick(4));
    std::function<void(int, int)> map = [&](int indent, int depth) {
        const std::size_t keys = 1 + pick(4);
        for (std::size_t k = 0; k < keys; ++k) {
            const std::string pad(static_cast<std::size_t>(indent), ' ');
            out += pad + "k" + std::to_string(pick(50)) + (pick(5) ? "" : ".x-y") + ":";
            std::string scalar = scalars[pick(scalars.size())];
            if (scalar == "x: y") scalar = "'x: y'";
            switch (depth < 4 ? pick(7) : pick(4)) {
                case 0:
                    out += " " + scalar;
                    break;
                case 1:
                    out += " " + flow_seq();
                    break;
                case 2:
                    out += " {a: " + flow_items[pick(3)] + ", b: " + flow_items[pick(3)] + "}";
                    break;
                case 3:
                    out += pick(2) ? "" : "   ";
                    break;
                case 4:
                    out += "\n";
                    map(indent + width, depth + 1);
                    continue;
                default: {
                    out += "\n";
                    const std::string item_pad(static_cast<std::size_t>(indent + width), ' ');
                    for (std::size_t i = 0, n = 1 + pick(3); i < n; ++i)
                        out += item_pad + "- " + (pick(3) ? scalar : flow_seq()) + "\n";
                    continue;
                }
            }
            out += pick(4) ? "" : "  # note";
            out += "\n";
            if (!pick(6)) out += pick(2) ? "\n" : pad + "# between\n";
        }
    };
    map(0, 0);
    return out;
}

TEST(YamlSimple, GeneratedManifestsReadAsLibyamlReadsThem) {
    std::mt19937 random(31);
    for (int i = 0; i < 3000; ++i) {
        const std::string text = generated_manifest(random);
        ASSERT_EQ(compare(text), Outcome::same) << text;
    }
}

// Mutated manifests: whenever the fast reader accepts one, libyaml must read the same
// document; the rest is declined. SLIPWAY_FUZZ_SECONDS runs it longer by hand.
TEST(YamlSimple, MutatedManifestsAreReadAsLibyamlReadsThemOrDeclined) {
    const std::vector<std::string> tokens = {
        ":", ": ", " ",  "  ", "\n", "\n  ",  "#", " #", "-",        "- ", "[",
        "]", "{",  "}",  ",",  "\"", "'",     "?", "? ", "&a ",      "*a", "!",
        "|", ">",  "\t", "\r", "\\", "---\n", "~", "''", "\xc3\xa9", "%"};
    const char* seconds_env = std::getenv("SLIPWAY_FUZZ_SECONDS");
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::seconds(seconds_env ? std::atoi(seconds_env) : 3);
    const bool bounded = seconds_env == nullptr;
    std::mt19937 random(2031);
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
    };
    int accepted = 0, tried = 0;
    std::string text;
    for (; (!bounded || tried < 20000) && std::chrono::steady_clock::now() < deadline; ++tried) {
        if (tried % 8 == 0) text = tried % 16 ? k_manifest : generated_manifest(random);
        const std::size_t at = pick(text.size() + 1);
        switch (pick(3)) {
            case 0:
                text.erase(at, 1 + pick(4));
                break;
            case 1:
                text.insert(at, tokens[pick(tokens.size())]);
                break;
            default:
                text.insert(at, text.substr(pick(text.size() + 1), pick(20)));
        }
        if (compare(text) == Outcome::same) ++accepted;
        if (::testing::Test::HasFailure()) break;
    }
    EXPECT_GT(tried, 1000);
    EXPECT_GT(accepted, tried / 20);  // the fast reader's path is exercised, not only declines
}

}  // namespace simple
