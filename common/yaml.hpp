#pragma once
// A YAML document as one flat array of nodes, read with libyaml's event parser (the
// manifest and CloudFormation templates both go through here). Every node keeps the
// line and column where it is written, its explicit tag (`!Ref`, `tag:yaml.org,2002:str`)
// and whether a scalar was plain, so callers can report file:line:column and tell `"1"`
// from `1`. Aliases are resolved on access (a node reached through `*x` reports the
// alias's position). Limits make hostile input fail fast with a position instead of
// exhausting memory: the size of the text, the nesting depth, and the number of nodes
// aliases may add ("billion laughs"). One document per text; a second one is an error.
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace common::yaml {

/// What a parse accepts; the defaults are the manifest's documented limits.
struct Limits {
    std::size_t max_bytes = std::size_t{8} << 20;  // 8 MiB
    int max_depth = 64;                            // nested collections
    std::uint64_t max_alias_nodes = 1'000'000;     // nodes added by expanding aliases
};

enum class Kind : std::uint8_t { null, scalar, sequence, map, alias };

/// One node as stored (internal; use Node): 32 bytes, since a cold start pays for every
/// page of nodes it touches (a 2,000-component manifest has ~30,000 nodes).
struct NodeData {
    Kind kind = Kind::null;
    bool plain = true;        // a scalar written without quotes or block style
    bool tagged = false;      // has an explicit tag (in the document's tag list)
    std::int32_t line = 0;    // 1-based
    std::int32_t column = 0;  // 1-based
    std::uint32_t text_offset = 0, text_size = 0;  // in Document::strings()
    std::int32_t first_child = -1;                 // for an alias: the node it names
    std::int32_t next = -1;                        // the next sibling
    std::uint32_t size = 0;                        // children: items, or keys + values
};
static_assert(sizeof(NodeData) == 32);

/// An explicit tag (internal): the node it belongs to and its text in Document::strings().
struct TagData {
    std::int32_t node = 0;
    std::uint32_t offset = 0, size = 0;
};

namespace detail {
class Builder;
class SimpleParser;
}  // namespace detail

class Document;
struct Entry;

/// A handle on one node of a Document (which must outlive it). A default Node stands for
/// "absent": it converts to false and answers every question as an empty null would.
class Node {
  public:
    Node() = default;
    Node(const Document* doc, std::int32_t slot);

    explicit operator bool() const { return m_doc != nullptr; }
    [[nodiscard]] Kind kind() const;  // never Kind::alias (aliases are resolved)
    [[nodiscard]] bool is_null() const { return kind() == Kind::null; }
    [[nodiscard]] bool is_scalar() const { return kind() == Kind::scalar; }
    [[nodiscard]] bool is_sequence() const { return kind() == Kind::sequence; }
    [[nodiscard]] bool is_map() const { return kind() == Kind::map; }
    /// The text of a scalar (of a null too: "", "~", "null"); "" for collections.
    [[nodiscard]] std::string_view scalar() const;
    /// The explicit tag, handles resolved ("!Ref", "tag:yaml.org,2002:str"), or "".
    [[nodiscard]] std::string_view tag() const;
    /// A scalar written plain (no quotes, no `|`/`>` block).
    [[nodiscard]] bool plain() const;
    /// Where the node is written (for a node reached through an alias: the alias), 1-based.
    [[nodiscard]] int line() const;
    [[nodiscard]] int column() const;
    /// Items of a sequence, entries of a map; 0 otherwise.
    [[nodiscard]] std::size_t size() const;
    /// In a map, the value of the first key whose scalar is `key`; absent otherwise.
    [[nodiscard]] Node operator[](std::string_view key) const;
    /// Which node this is, for maps keyed by node (stable for the document's life).
    [[nodiscard]] std::int32_t id() const;

    /// The children in order: items of a sequence, or keys and values of a map alternately.
    class Children;
    [[nodiscard]] Children children() const;
    /// A map's entries in order.
    class Entries;
    [[nodiscard]] Entries entries() const;

  private:
    const NodeData& data() const;
    const Document* m_doc = nullptr;
    std::int32_t m_slot = -1;  // where it is written (maybe an alias)
    std::int32_t m_node = -1;  // what it holds (the alias's target)
};

/// One entry of a map.
struct Entry {
    Node key;
    Node value;
};

class Node::Children {
  public:
    class iterator {
      public:
        using value_type = Node;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(const Document* doc, std::int32_t slot) : m_doc(doc), m_slot(slot) {}
        Node operator*() const { return Node(m_doc, m_slot); }
        iterator& operator++();
        iterator operator++(int) {
            auto old = *this;
            ++*this;
            return old;
        }
        bool operator==(const iterator& other) const { return m_slot == other.m_slot; }

      private:
        const Document* m_doc = nullptr;
        std::int32_t m_slot = -1;
    };
    Children(const Document* doc, std::int32_t first) : m_doc(doc), m_first(first) {}
    [[nodiscard]] iterator begin() const { return {m_doc, m_first}; }
    [[nodiscard]] iterator end() const { return {m_doc, -1}; }

  private:
    const Document* m_doc;
    std::int32_t m_first;
};

class Node::Entries {
  public:
    class iterator {
      public:
        using value_type = Entry;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(const Document* doc, std::int32_t slot) : m_doc(doc), m_slot(slot) {}
        Entry operator*() const;
        iterator& operator++();
        iterator operator++(int) {
            auto old = *this;
            ++*this;
            return old;
        }
        bool operator==(const iterator& other) const { return m_slot == other.m_slot; }

      private:
        const Document* m_doc = nullptr;
        std::int32_t m_slot = -1;  // the key
    };
    Entries(const Document* doc, std::int32_t first) : m_doc(doc), m_first(first) {}
    [[nodiscard]] iterator begin() const { return {m_doc, m_first}; }
    [[nodiscard]] iterator end() const { return {m_doc, -1}; }

  private:
    const Document* m_doc;
    std::int32_t m_first;
};

/// A parsed document. Movable; Nodes point into it, so take them after the last move.
class Document {
  public:
    /// The top node (a null node for an empty text).
    [[nodiscard]] Node root() const { return Node(this, m_root); }
    /// The file name given to parse(), for messages.
    [[nodiscard]] const std::string& file() const { return m_file; }
    /// "file:line:column" of a node.
    [[nodiscard]] std::string where(const Node& n) const;

    /// Internal, for Node: one stored node, and the scalar texts and tags back to back.
    [[nodiscard]] const NodeData& at(std::int32_t index) const {
        return m_nodes[static_cast<std::size_t>(index)];
    }
    [[nodiscard]] std::string_view strings() const { return m_strings; }
    [[nodiscard]] std::size_t node_count() const { return m_nodes.size(); }
    [[nodiscard]] std::string_view tag_of(std::int32_t index) const;

  private:
    friend class detail::Builder;
    friend class detail::SimpleParser;
    std::string m_file;
    std::string m_strings;
    std::vector<NodeData> m_nodes;
    std::vector<TagData> m_tags;  // by node, in node order
    std::int32_t m_root = -1;
};

/// Parses `text` (one YAML document) within `limits`. Fails with ErrorCode::input and a
/// message "file:line:column: why" for bad syntax, a second document, an unknown or
/// self-containing alias, or a limit exceeded.
/// A text in the plain block style manifests are written in is read by a fast reader of
/// that subset (yaml_simple.cpp), anything else by libyaml; the document is the same.
Result<Document> parse(std::string_view text, const std::string& file, const Limits& limits = {});

/// parse() of a text the document may keep: read by the fast reader, it holds `text`
/// itself rather than a copy.
Result<Document> parse_owned(std::string text, const std::string& file, const Limits& limits = {});

namespace detail {
/// The two readers behind parse(), for tests. parse_simple gives nullopt for any text
/// outside its subset (invalid YAML included); parse_libyaml reads everything.
std::optional<Document> parse_simple(std::string_view text, const std::string& file,
                                     const Limits& limits);
/// The same, keeping `text` in the document (and leaving it where it was when declining).
std::optional<Document> parse_simple_owned(std::string& text, const std::string& file,
                                           const Limits& limits);
Result<Document> parse_libyaml(std::string_view text, const std::string& file,
                               const Limits& limits);
}  // namespace detail

}  // namespace common::yaml
