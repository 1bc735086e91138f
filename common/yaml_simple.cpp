// The fast path of common::yaml::parse: a reader for the plain block-style subset that
// slipway's manifests are written in, producing exactly the Document libyaml's events would
// (the same nodes in the same order, texts, styles and positions), or nothing at all -- then
// parse() hands the text to libyaml. It never reports an error itself: anything it is not
// certain about (a tab, a byte outside printable ASCII, a tag, an anchor, a block scalar, a
// multi-line flow collection or plain scalar, an escape, a key with spaces, `? `, `---`, a
// value more indented than its key expects, ...) makes it decline, and libyaml reads the
// text and reports whatever is wrong there with libyaml's message. What it accepts:
//
//   key: plain scalar            # comments after a space, and whole-line comments
//   key: "double" or 'single'    # quoted on one line, without escapes or inner quotes
//   key: [a, "b", 'c']           # flow sequences of scalars, on one line
//   key: {k: v, k2: [a, b]}      # flow mappings of simple keys, scalars and flow sequences
//   key:                         # an empty value (a null), or, when the next line is
//     nested: value              #   more indented, a block mapping
//   key:
//     - item                     # or a block sequence of scalars and flow collections
//
// Why: libyaml spends most of a cold `slipway affected` on a 2,000-component manifest
// scanning it (bench/README.md, issue 31) and allocates every token and event; this reads
// the same file in one pass with no allocation per node, and scalars are views into one
// copy of the text. tests/common/yaml_test.cpp compares both readers on many generated and
// mutated inputs.
#include "common/yaml.hpp"

#include <optional>

namespace common::yaml::detail {

class SimpleParser {
  public:
    SimpleParser(std::string_view text, const std::string& file, const Limits& limits)
        : m_text(text), m_limits(limits) {
        m_doc.m_file = file;
    }

    // The document, or nullopt when the text is outside the subset. With `owned` (the text
    // itself), the document keeps it, or gives it back when declining.
    std::optional<Document> parse(std::string* owned = nullptr);

  private:
    static constexpr std::int32_t k_none = -1;

    [[nodiscard]] bool at_end() const { return m_pos >= m_text.size(); }
    [[nodiscard]] char peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\n';
    }
    [[nodiscard]] int column() const { return static_cast<int>(m_pos - m_line_start); }

    bool skip_to_content();
    bool rest_of_line_is_empty();
    void next_line();
    std::int32_t add(Kind kind, int line, int column);
    std::int32_t add_scalar(std::size_t begin, std::size_t end, bool plain, int line, int col);
    void attach(std::int32_t parent, std::int32_t& last, std::int32_t child);
    bool block_map(int indent, int depth, std::int32_t& out);
    bool block_sequence(int indent, int depth, std::int32_t& out);
    bool block_value(int key_indent, int depth, std::int32_t& out);
    bool nested_or_null(int key_indent, int depth, int colon_line, int colon_column,
                        std::int32_t& out);
    bool key(std::int32_t& out);
    bool quoted(std::int32_t& out);
    bool plain_block(std::int32_t& out);
    bool plain_flow(std::int32_t& out);
    bool flow_scalar(std::int32_t& out);
    bool flow_sequence(int depth, std::int32_t& out);
    bool flow_map(int depth, std::int32_t& out);

    std::string_view m_text;
    const Limits& m_limits;
    Document m_doc;
    std::size_t m_pos = 0;
    std::size_t m_line_start = 0;
    int m_line = 0;  // 0-based
};

namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A key: starts with a letter, digit or '_'; then letters, digits and "._/-".
bool key_start(char c) {
    return is_alnum(c) || c == '_';
}
bool key_char(char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == '/' || c == '-';
}

// A plain scalar starts with none of YAML's indicators (- ? : , [ ] { } # & * ! | > ' " % @ `).
bool plain_start(char c) {
    return is_alnum(c) || c == '/' || c == '.' || c == '_' || c == '$' || c == '(' || c == '~' ||
           c == '+' || c == '=' || c == '<' || c == '^' || c == ';';
}

// What the document builder takes for null: a plain, untagged "", "~" or null.
bool null_text(std::string_view s) {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// Only printable ASCII and line feeds: what libyaml reads the same way byte for byte (no
// tabs, carriage returns, byte-order marks or UTF-8, whose rules are libyaml's business).
bool simple_bytes(std::string_view text) {
    for (unsigned char c : text) {
        if ((c < 0x20 || c > 0x7e) && c != '\n') return false;
    }
    return true;
}

}  // namespace

std::int32_t SimpleParser::add(Kind kind, int line, int col) {
    const auto index = static_cast<std::int32_t>(m_doc.m_nodes.size());
    NodeData& d = m_doc.m_nodes.emplace_back();
    d.kind = kind;
    d.line = line + 1;
    d.column = col + 1;
    return index;
}

std::int32_t SimpleParser::add_scalar(std::size_t begin, std::size_t end, bool plain, int line,
                                      int col) {
    const std::string_view text = m_text.substr(begin, end - begin);
    const std::int32_t index = add(plain && null_text(text) ? Kind::null : Kind::scalar, line, col);
    NodeData& d = m_doc.m_nodes[static_cast<std::size_t>(index)];
    d.plain = plain;
    d.text_offset = static_cast<std::uint32_t>(begin);
    d.text_size = static_cast<std::uint32_t>(end - begin);
    return index;
}

// Children are attached once complete, in order, as the builder does; `last` is the
// parent's last child so far.
void SimpleParser::attach(std::int32_t parent, std::int32_t& last, std::int32_t child) {
    auto& nodes = m_doc.m_nodes;
    NodeData& p = nodes[static_cast<std::size_t>(parent)];
    if (last < 0) {
        p.first_child = child;
    } else {
        nodes[static_cast<std::size_t>(last)].next = child;
    }
    last = child;
    ++p.size;
}

void SimpleParser::next_line() {
    while (!at_end() && m_text[m_pos] != '\n') ++m_pos;
    if (!at_end()) {
        ++m_pos;
        m_line_start = m_pos;
        ++m_line;
    }
}

// Moves to the first character of the next line holding content (skipping blank and
// comment lines); false at the end of the text. The position is then after the indent.
bool SimpleParser::skip_to_content() {
    while (!at_end()) {
        while (!at_end() && m_text[m_pos] == ' ') ++m_pos;
        if (at_end()) return false;
        if (m_text[m_pos] != '\n' && m_text[m_pos] != '#') return true;
        next_line();
    }
    return false;
}

// After a value: only spaces, then the end of the line or a comment after a space. Leaves
// the position at the start of the next line.
bool SimpleParser::rest_of_line_is_empty() {
    while (peek() == ' ') ++m_pos;
    if (!at_end() && m_text[m_pos] == '#' && m_text[m_pos - 1] != ' ') return false;
    if (!at_end() && m_text[m_pos] != '\n' && m_text[m_pos] != '#') return false;
    next_line();
    return true;
}

bool SimpleParser::key(std::int32_t& out) {
    const std::size_t begin = m_pos;
    if (!key_start(peek())) return false;
    while (key_char(peek())) ++m_pos;
    if (peek() != ':' || (peek(1) != ' ' && peek(1) != '\n') || m_pos - begin > 1000) return false;
    out = add_scalar(begin, m_pos, true, m_line, static_cast<int>(begin - m_line_start));
    ++m_pos;  // the ':'
    return true;
}

// '...' or "..." on this line, with nothing to unescape.
bool SimpleParser::quoted(std::int32_t& out) {
    const char quote = peek();
    const int col = column();
    const std::size_t begin = ++m_pos;
    while (!at_end() && m_text[m_pos] != quote) {
        const char c = m_text[m_pos];
        if (c == '\n' || c == '\\') return false;
        ++m_pos;
    }
    if (at_end()) return false;
    out = add_scalar(begin, m_pos, false, m_line, col);
    ++m_pos;                                            // the closing quote
    if (quote == '\'' && peek() == '\'') return false;  // '' is an escaped quote
    return true;
}

// A plain scalar in block context: to the end of the line or a comment, trailing spaces
// dropped; ": " inside it would make it a key, so that is left to libyaml.
bool SimpleParser::plain_block(std::int32_t& out) {
    const int col = column();
    const std::size_t begin = m_pos;
    std::size_t end = m_pos;
    while (!at_end() && m_text[m_pos] != '\n') {
        const char c = m_text[m_pos];
        if (c == '#' && m_text[m_pos - 1] == ' ') break;
        if (c == ':' && (peek(1) == ' ' || peek(1) == '\n')) return false;
        ++m_pos;
        if (c != ' ') end = m_pos;
    }
    out = add_scalar(begin, end, true, m_line, col);
    return true;
}

// A plain scalar in a flow collection: up to ',', ']' or '}', trailing spaces dropped.
bool SimpleParser::plain_flow(std::int32_t& out) {
    const int col = column();
    const std::size_t begin = m_pos;
    std::size_t end = m_pos;
    while (true) {
        const char c = peek();
        if (c == ',' || c == ']' || c == '}') break;
        if (c == '\n' || c == ':' || c == '#' || c == '[' || c == '{' || c == '"' || c == '\'' ||
            c == '?')  // '?' ends a plain scalar in a flow collection: libyaml's to read
            return false;
        ++m_pos;
        if (c != ' ') end = m_pos;
    }
    out = add_scalar(begin, end, true, m_line, col);
    return true;
}

bool SimpleParser::flow_scalar(std::int32_t& out) {
    const char c = peek();
    if (c == '"' || c == '\'') {
        if (!quoted(out)) return false;
        while (peek() == ' ') ++m_pos;
        return peek() == ',' || peek() == ']' || peek() == '}';
    }
    return plain_start(c) && plain_flow(out);
}

// [a, b, c] on one line.
bool SimpleParser::flow_sequence(int depth, std::int32_t& out) {
    if (depth >= m_limits.max_depth) return false;
    out = add(Kind::sequence, m_line, column());
    std::int32_t last = k_none;
    ++m_pos;  // '['
    while (peek() == ' ') ++m_pos;
    if (peek() == ']') return ++m_pos, true;
    while (true) {
        std::int32_t item = k_none;
        if (!flow_scalar(item)) return false;
        attach(out, last, item);
        if (peek() == ']') return ++m_pos, true;
        if (peek() != ',') return false;
        ++m_pos;
        while (peek() == ' ') ++m_pos;
        if (peek() == ']') return false;  // a trailing comma
    }
}

// {k: v, k2: v2} on one line.
bool SimpleParser::flow_map(int depth, std::int32_t& out) {
    if (depth >= m_limits.max_depth) return false;
    out = add(Kind::map, m_line, column());
    std::int32_t last = k_none;
    ++m_pos;  // '{'
    while (peek() == ' ') ++m_pos;
    if (peek() == '}') return ++m_pos, true;
    while (true) {
        std::int32_t k = k_none, v = k_none;
        if (!key(k) || peek() != ' ') return false;
        while (peek() == ' ') ++m_pos;
        if (peek() == '[') {  // {paths: [a, b], ...}
            if (!flow_sequence(depth + 1, v)) return false;
            while (peek() == ' ') ++m_pos;
        } else if (!flow_scalar(v)) {
            return false;
        }
        if (peek() == ']') return false;
        attach(out, last, k);
        attach(out, last, v);
        if (peek() == '}') return ++m_pos, true;
        if (peek() != ',') return false;
        ++m_pos;
        while (peek() == ' ') ++m_pos;
        if (peek() == '}') return false;  // a trailing comma
    }
}

// The value after "key:" or "- " on the same line, then the rest of that line.
bool SimpleParser::block_value(int key_indent, int depth, std::int32_t& out) {
    const char c = peek();
    bool ok = false;
    if (c == '[') {
        ok = flow_sequence(depth, out);
    } else if (c == '{') {
        ok = flow_map(depth, out);
    } else if (c == '"' || c == '\'') {
        ok = quoted(out);
    } else if (plain_start(c)) {
        ok = plain_block(out);
    }
    if (!ok || !rest_of_line_is_empty()) return false;
    // A more indented line after a complete value would continue a plain scalar or be an
    // error: libyaml's to read.
    return !skip_to_content() || column() <= key_indent;
}

// "key:" with nothing after it on the line: a block collection on the lines below when they
// are more indented, else an empty (null) value where the ':' ends, as libyaml places it.
bool SimpleParser::nested_or_null(int key_indent, int depth, int colon_line, int colon_column,
                                  std::int32_t& out) {
    if (!skip_to_content() || column() <= key_indent) {
        out = add(Kind::null, colon_line, colon_column + 1);
        m_doc.m_nodes[static_cast<std::size_t>(out)].text_offset = 0;
        return true;
    }
    const int indent = column();
    if (peek() == '-') return block_sequence(indent, depth, out);
    return block_map(indent, depth, out);
}

// Entries "key: value" at exactly `indent`, from the current position (the first key).
bool SimpleParser::block_map(int indent, int depth, std::int32_t& out) {
    if (depth >= m_limits.max_depth) return false;
    out = add(Kind::map, m_line, indent);
    std::int32_t last = k_none;
    while (true) {
        std::int32_t k = k_none, v = k_none;
        const int colon_line = m_line;
        if (!key(k)) return false;
        const int colon_column = column() - 1;
        while (peek() == ' ') ++m_pos;
        if (peek() == '\n' || peek() == '#') {
            next_line();
            if (!nested_or_null(indent, depth + 1, colon_line, colon_column, v)) return false;
        } else if (!block_value(indent, depth + 1, v)) {
            return false;
        }
        attach(out, last, k);
        attach(out, last, v);
        if (at_end() || column() < indent) return true;
        if (column() != indent) return false;
    }
}

// Items "- value" at exactly `indent`.
bool SimpleParser::block_sequence(int indent, int depth, std::int32_t& out) {
    if (depth >= m_limits.max_depth) return false;
    out = add(Kind::sequence, m_line, indent);
    std::int32_t last = k_none;
    while (true) {
        if (peek() != '-' || peek(1) != ' ') return false;
        m_pos += 2;
        while (peek() == ' ') ++m_pos;
        std::int32_t item = k_none;
        const char c = peek();
        if (c == '\n' || c == '#' || c == '-' || c == '?') return false;
        if (plain_start(c)) {  // "- a: b" would be a mapping in the sequence
            const std::size_t line_end = m_text.find('\n', m_pos);
            const auto rest = m_text.substr(m_pos, line_end - m_pos);
            if (rest.find(": ") != std::string_view::npos || rest.ends_with(':')) return false;
        }
        if (!block_value(indent, depth + 1, item)) return false;
        attach(out, last, item);
        if (at_end() || column() < indent) return true;
        if (column() != indent) return false;
    }
}

std::optional<Document> SimpleParser::parse(std::string* owned) {
    if (!simple_bytes(m_text)) return std::nullopt;
    if (owned) {
        m_doc.m_strings = std::move(*owned);
        m_text = m_doc.m_strings;
    } else {
        m_doc.m_strings.assign(m_text);
    }
    m_doc.m_nodes.reserve(m_text.size() / 8 + 16);
    // The top: a block mapping starting at column 0 (anything else is libyaml's).
    std::int32_t root = k_none;
    if (skip_to_content() && column() == 0 && block_map(0, 0, root) && at_end()) {
        m_doc.m_root = root;
        return std::move(m_doc);
    }
    if (owned) *owned = std::move(m_doc.m_strings);
    return std::nullopt;
}

std::optional<Document> parse_simple(std::string_view text, const std::string& file,
                                     const Limits& limits) {
    return SimpleParser(text, file, limits).parse();
}

std::optional<Document> parse_simple_owned(std::string& text, const std::string& file,
                                           const Limits& limits) {
    return SimpleParser(text, file, limits).parse(&text);
}

}  // namespace common::yaml::detail
