// The document builder: libyaml's events, in order, become nodes appended to one array;
// a stack of open collections links each new node as the last child of the one on top.
// An alias becomes a node naming its anchor's node; since an anchor's node is complete
// before any alias can name it (or the alias sits inside it: a cycle, refused), every
// node's expanded weight is known when it closes, and the nodes an alias adds are counted
// as it appears, so "billion laughs" fails at the alias that crosses the limit.
#include "common/yaml.hpp"

#include <yaml.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace common::yaml {

// --- Node -----------------------------------------------------------------------------

Node::Node(const Document* doc, std::int32_t slot) {
    if (!doc || slot < 0) return;
    m_doc = doc;
    m_slot = slot;
    const NodeData& d = doc->at(slot);
    m_node = d.kind == Kind::alias ? d.first_child : slot;
}

const NodeData& Node::data() const {
    static const NodeData k_absent;
    return m_doc ? m_doc->at(m_node) : k_absent;
}

Kind Node::kind() const {
    return data().kind;
}

std::string_view Node::scalar() const {
    const NodeData& d = data();
    if (d.kind != Kind::scalar && d.kind != Kind::null) return {};
    return m_doc->strings().substr(d.text_offset, d.text_size);
}

std::string_view Node::tag() const {
    return data().tagged ? m_doc->tag_of(m_node) : std::string_view();
}

bool Node::plain() const {
    return data().plain;
}

int Node::line() const {
    return m_doc ? m_doc->at(m_slot).line : 0;
}

int Node::column() const {
    return m_doc ? m_doc->at(m_slot).column : 0;
}

std::size_t Node::size() const {
    const NodeData& d = data();
    return d.kind == Kind::map ? d.size / 2 : d.kind == Kind::sequence ? d.size : 0;
}

std::int32_t Node::id() const {
    return m_node;
}

Node Node::operator[](std::string_view key) const {
    if (!is_map()) return {};
    for (Entry e : entries()) {
        if (e.key.is_scalar() || e.key.is_null()) {
            if (e.key.scalar() == key) return e.value;
        }
    }
    return {};
}

Node::Children Node::children() const {
    const NodeData& d = data();
    return {m_doc, d.kind == Kind::map || d.kind == Kind::sequence ? d.first_child : -1};
}

Node::Entries Node::entries() const {
    return {m_doc, is_map() ? data().first_child : -1};
}

Node::Children::iterator& Node::Children::iterator::operator++() {
    m_slot = m_doc->at(m_slot).next;
    return *this;
}

Entry Node::Entries::iterator::operator*() const {
    const std::int32_t value = m_doc->at(m_slot).next;
    return {Node(m_doc, m_slot), Node(m_doc, value)};
}

Node::Entries::iterator& Node::Entries::iterator::operator++() {
    const std::int32_t value = m_doc->at(m_slot).next;
    m_slot = m_doc->at(value).next;
    return *this;
}

std::string_view Document::tag_of(std::int32_t index) const {
    auto it = std::lower_bound(m_tags.begin(), m_tags.end(), index,
                               [](const TagData& t, std::int32_t i) { return t.node < i; });
    if (it == m_tags.end() || it->node != index) return {};
    return std::string_view(m_strings).substr(it->offset, it->size);
}

std::string Document::where(const Node& n) const {
    return m_file + ":" + std::to_string(n.line()) + ":" + std::to_string(n.column());
}

// --- parsing -----------------------------------------------------------------------------

namespace {

struct ParserOwner {
    yaml_parser_t parser;
    ParserOwner() { yaml_parser_initialize(&parser); }
    ~ParserOwner() { yaml_parser_delete(&parser); }
    ParserOwner(const ParserOwner&) = delete;
    ParserOwner& operator=(const ParserOwner&) = delete;
};

struct EventOwner {
    yaml_event_t event{};
    bool filled = false;
    ~EventOwner() {
        if (filled) yaml_event_delete(&event);
    }
};

std::string_view text_of(const yaml_char_t* s) {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a > std::numeric_limits<std::uint64_t>::max() - b
               ? std::numeric_limits<std::uint64_t>::max()
               : a + b;
}

}  // namespace

// Builds the Document from events; every failure is a positioned error.
class detail::Builder {
  public:
    Builder(std::string_view text, const std::string& file, const Limits& limits)
        : m_text(text), m_limits(limits) {
        m_doc.m_file = file;
    }

    Result<Document> build();

  private:
    Result<void> on_event(const yaml_event_t& e);
    Result<void> on_scalar(const yaml_event_t& e);
    Result<void> on_alias(const yaml_event_t& e);
    Result<void> on_start(const yaml_event_t& e, Kind kind, const yaml_char_t* anchor,
                          const yaml_char_t* tag);
    Result<void> on_end();
    std::int32_t add_node(Kind kind, const yaml_mark_t& at, const yaml_char_t* anchor,
                          const yaml_char_t* tag);
    Result<void> attach(std::int32_t index);
    std::uint32_t store(std::string_view s);
    std::unexpected<Error> error_at(const yaml_mark_t& at, const std::string& why) const;
    std::unexpected<Error> syntax_error(const yaml_parser_t& p) const;

    Result<void> run();

    std::string_view m_text;
    Document m_doc;
    const Limits& m_limits;
    // What only building needs, by node: nodes below and including it with aliases
    // expanded (to refuse "billion laughs"), whether it is complete, and the last child
    // of each open collection.
    struct Open {
        std::int32_t node;
        std::int32_t last_child = -1;
    };
    std::vector<std::uint64_t> m_weight;
    std::vector<bool> m_closed;
    std::vector<Open> m_open;  // collections not yet ended
    std::unordered_map<std::string, std::int32_t> m_anchors;
    std::uint64_t m_alias_nodes = 0;
    int m_documents = 0;
};

using detail::Builder;

std::unexpected<Error> Builder::error_at(const yaml_mark_t& at, const std::string& why) const {
    return fail(ErrorCode::input, m_doc.m_file + ":" + std::to_string(at.line + 1) + ":" +
                                      std::to_string(at.column + 1) + ": " + why);
}

std::unexpected<Error> Builder::syntax_error(const yaml_parser_t& p) const {
    if (p.error == YAML_MEMORY_ERROR)
        return fail(ErrorCode::input, m_doc.m_file + ": out of memory");
    yaml_mark_t at = p.problem_mark;
    if (p.error == YAML_READER_ERROR) {  // only a byte offset: count lines up to it
        const auto upto = m_text.substr(0, std::min(p.problem_offset, m_text.size()));
        at.line = static_cast<std::size_t>(std::count(upto.begin(), upto.end(), '\n'));
        const auto start = upto.rfind('\n');
        at.column = upto.size() - (start == std::string_view::npos ? 0 : start + 1);
    }
    std::string why = "invalid YAML: " + std::string(p.problem ? p.problem : "unknown error");
    if (p.context) {
        why += " (" + std::string(p.context) + " at line " +
               std::to_string(p.context_mark.line + 1) + ", column " +
               std::to_string(p.context_mark.column + 1) + ")";
    }
    return error_at(at, why);
}

std::uint32_t Builder::store(std::string_view s) {
    const auto at = static_cast<std::uint32_t>(m_doc.m_strings.size());
    m_doc.m_strings.append(s);
    return at;
}

std::int32_t Builder::add_node(Kind kind, const yaml_mark_t& at, const yaml_char_t* anchor,
                               const yaml_char_t* tag) {
    const auto index = static_cast<std::int32_t>(m_doc.m_nodes.size());
    NodeData& d = m_doc.m_nodes.emplace_back();
    m_weight.push_back(0);
    m_closed.push_back(false);
    d.kind = kind;
    d.line = static_cast<std::int32_t>(at.line + 1);
    d.column = static_cast<std::int32_t>(at.column + 1);
    if (auto t = text_of(tag); !t.empty()) {
        d.tagged = true;
        m_doc.m_tags.push_back({index, store(t), static_cast<std::uint32_t>(t.size())});
    }
    if (anchor) m_anchors[std::string(text_of(anchor))] = index;
    return index;
}

// Links node `index` (complete, weighed) as the last child of the open collection.
Result<void> Builder::attach(std::int32_t index) {
    auto& nodes = m_doc.m_nodes;
    if (m_open.empty()) {
        m_doc.m_root = index;
        return {};
    }
    Open& open = m_open.back();
    NodeData& parent = nodes[static_cast<std::size_t>(open.node)];
    if (open.last_child < 0) {
        parent.first_child = index;
    } else {
        nodes[static_cast<std::size_t>(open.last_child)].next = index;
    }
    open.last_child = index;
    ++parent.size;
    const NodeData& child = nodes[static_cast<std::size_t>(index)];
    const std::int32_t weighed = child.kind == Kind::alias ? child.first_child : index;
    auto& parent_weight = m_weight[static_cast<std::size_t>(open.node)];
    parent_weight = saturating_add(parent_weight, m_weight[static_cast<std::size_t>(weighed)]);
    return {};
}

Result<void> Builder::on_scalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    const std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
    const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
    const bool untagged = s.tag == nullptr;
    const bool null = (untagged && plain &&
                       (value.empty() || value == "~" || value == "null" || value == "Null" ||
                        value == "NULL")) ||
                      text_of(s.tag) == YAML_NULL_TAG;
    const std::int32_t index = add_node(null ? Kind::null : Kind::scalar, e.start_mark, s.anchor,
                                        untagged ? nullptr : s.tag);
    NodeData& d = m_doc.m_nodes[static_cast<std::size_t>(index)];
    d.plain = plain;
    d.text_offset = store(value);
    d.text_size = static_cast<std::uint32_t>(value.size());
    m_weight[static_cast<std::size_t>(index)] = 1;
    m_closed[static_cast<std::size_t>(index)] = true;
    return attach(index);
}

Result<void> Builder::on_alias(const yaml_event_t& e) {
    const std::string name(text_of(e.data.alias.anchor));
    auto found = m_anchors.find(name);
    if (found == m_anchors.end()) return error_at(e.start_mark, "unknown alias '*" + name + "'");
    const auto target = static_cast<std::size_t>(found->second);
    if (!m_closed[target]) {
        return error_at(e.start_mark, "alias '*" + name + "' refers to a node that contains it");
    }
    m_alias_nodes = saturating_add(m_alias_nodes, m_weight[target]);
    if (m_alias_nodes > m_limits.max_alias_nodes) {
        return error_at(e.start_mark, "aliases expand the document by more than " +
                                          std::to_string(m_limits.max_alias_nodes) + " nodes");
    }
    const std::int32_t index = add_node(Kind::alias, e.start_mark, nullptr, nullptr);
    m_doc.m_nodes[static_cast<std::size_t>(index)].first_child = found->second;
    return attach(index);
}

Result<void> Builder::on_start(const yaml_event_t& e, Kind kind, const yaml_char_t* anchor,
                               const yaml_char_t* tag) {
    if (static_cast<int>(m_open.size()) >= m_limits.max_depth) {
        return error_at(e.start_mark,
                        "nested deeper than " + std::to_string(m_limits.max_depth) + " levels");
    }
    m_open.push_back({add_node(kind, e.start_mark, anchor, tag)});
    return {};
}

Result<void> Builder::on_end() {
    const std::int32_t index = m_open.back().node;
    m_open.pop_back();
    auto& weight = m_weight[static_cast<std::size_t>(index)];
    weight = saturating_add(weight, 1);  // itself
    m_closed[static_cast<std::size_t>(index)] = true;
    return attach(index);
}

Result<void> Builder::on_event(const yaml_event_t& e) {
    switch (e.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++m_documents > 1) {
                return error_at(e.start_mark,
                                "a second YAML document: the file must hold exactly one");
            }
            return {};
        case YAML_SCALAR_EVENT:
            return on_scalar(e);
        case YAML_ALIAS_EVENT:
            return on_alias(e);
        case YAML_SEQUENCE_START_EVENT:
            return on_start(e, Kind::sequence, e.data.sequence_start.anchor,
                            e.data.sequence_start.tag);
        case YAML_MAPPING_START_EVENT:
            return on_start(e, Kind::map, e.data.mapping_start.anchor, e.data.mapping_start.tag);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            return on_end();
        default:
            return {};
    }
}

Result<Document> Builder::build() {
    if (m_text.size() > m_limits.max_bytes) {
        return fail(ErrorCode::input, m_doc.m_file + ":1:1: the file is " +
                                          std::to_string(m_text.size()) +
                                          " bytes, over the limit of " +
                                          std::to_string(m_limits.max_bytes) + " bytes");
    }
    m_doc.m_nodes.reserve(m_text.size() / 8 + 16);
    m_doc.m_strings.reserve(m_text.size());
    if (auto ok = run(); !ok) return std::unexpected(ok.error());
    return std::move(m_doc);
}

Result<void> Builder::run() {
    ParserOwner owner;
    yaml_parser_set_input_string(
        &owner.parser, reinterpret_cast<const unsigned char*>(m_text.data()), m_text.size());
    while (true) {
        EventOwner e;
        if (!yaml_parser_parse(&owner.parser, &e.event)) return syntax_error(owner.parser);
        e.filled = true;
        if (e.event.type == YAML_STREAM_END_EVENT) break;
        if (auto ok = on_event(e.event); !ok) return ok;
    }
    if (m_doc.m_root < 0) {  // an empty text: a null document
        yaml_mark_t start{};
        m_doc.m_root = add_node(Kind::null, start, nullptr, nullptr);
    }
    return {};
}

Result<Document> detail::parse_libyaml(std::string_view text, const std::string& file,
                                       const Limits& limits) {
    return Builder(text, file, limits).build();
}

Result<Document> parse(std::string_view text, const std::string& file, const Limits& limits) {
    if (text.size() <= limits.max_bytes) {
        if (auto doc = detail::parse_simple(text, file, limits)) return std::move(*doc);
    }
    return detail::parse_libyaml(text, file, limits);
}

Result<Document> parse_owned(std::string text, const std::string& file, const Limits& limits) {
    if (text.size() <= limits.max_bytes) {
        if (auto doc = detail::parse_simple_owned(text, file, limits)) return std::move(*doc);
    }
    return detail::parse_libyaml(text, file, limits);
}

}  // namespace common::yaml
