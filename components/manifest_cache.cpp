#include "components/manifest_cache.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace components {
namespace {

// Bumped whenever Manifest or this encoding changes: older cache files are then ignored.
constexpr std::string_view k_magic = "slipway-manifest-cache-3\n";

// Length-prefixed little records: integers as 8 bytes, strings as length + bytes.
class Writer {
  public:
    void put(std::int64_t v) { m_out.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void put(std::string_view s) {
        put(static_cast<std::int64_t>(s.size()));
        m_out.append(s);
    }
    void put(const SourcePos& p) { put(p.file), put(p.line), put(p.column); }
    void put(const PatternSpec& p) { put(p.text), put(p.pos); }
    template <typename T>
    void put(const std::vector<T>& items) {
        put(static_cast<std::int64_t>(items.size()));
        for (const auto& item : items) put(item);
    }
    void put(const std::map<std::string, std::string>& m) {
        put(static_cast<std::int64_t>(m.size()));
        for (const auto& [k, v] : m) put(k), put(v);
    }
    std::string take() { return std::move(m_out); }

  private:
    std::string m_out;
};

class Reader {
  public:
    explicit Reader(std::string_view in) : m_in(in) {}
    bool ok() const { return m_ok; }

    void get(std::int64_t& v) {
        if (m_in.size() < sizeof v) return fail();
        std::memcpy(&v, m_in.data(), sizeof v);
        m_in.remove_prefix(sizeof v);
    }
    void get(int& v) {
        std::int64_t x = 0;
        get(x);
        v = static_cast<int>(x);
    }
    void get(std::string& s) {
        std::int64_t n = 0;
        get(n);
        if (n < 0 || static_cast<std::size_t>(n) > m_in.size()) return fail();
        s.assign(m_in.substr(0, static_cast<std::size_t>(n)));
        m_in.remove_prefix(static_cast<std::size_t>(n));
    }
    void get(SourcePos& p) { get(p.file), get(p.line), get(p.column); }
    void get(PatternSpec& p) { get(p.text), get(p.pos); }
    template <typename T>
    void get(std::vector<T>& items) {
        std::int64_t n = 0;
        get(n);
        if (n < 0 || static_cast<std::size_t>(n) > m_in.size()) return fail();
        items.resize(static_cast<std::size_t>(n));
        for (auto& item : items) get(item);
    }
    void get(std::map<std::string, std::string>& m) {
        std::int64_t n = 0;
        get(n);
        for (std::int64_t i = 0; i < n && m_ok; ++i) {
            std::string k, v;
            get(k), get(v);
            m.emplace(std::move(k), std::move(v));
        }
    }

  private:
    void fail() {
        m_ok = false;
        m_in = {};
    }
    std::string_view m_in;
    bool m_ok = true;
};

void put_component(Writer& w, const Component& c) {
    w.put(c.name), w.put(static_cast<std::int64_t>(c.kind)), w.put(c.paths), w.put(c.depends_on);
    w.put(c.parameter), w.put(c.build), w.put(static_cast<std::int64_t>(c.timeout.count())),
        w.put(c.pos), w.put(c.remote);
}

void get_component(Reader& r, Component& c) {
    std::int64_t kind = 0, timeout = 0;
    r.get(c.name), r.get(kind), r.get(c.paths), r.get(c.depends_on);
    r.get(c.parameter), r.get(c.build), r.get(timeout), r.get(c.pos), r.get(c.remote);
    c.kind = static_cast<ComponentKind>(kind);
    c.timeout = std::chrono::seconds(timeout);
}

void put_environment(Writer& w, const Environment& e) {
    for (const auto* s :
         {&e.name, &e.stack, &e.region, &e.template_path, &e.base, &e.promote_from, &e.role_arn,
          &e.service_role_arn, &e.artifact_bucket, &e.trigger_branch}) {
        w.put(*s);
    }
    w.put(e.parameters), w.put(e.tags), w.put(e.capabilities), w.put(e.pos);
    w.put(static_cast<int>(e.promote_tags)), w.put(static_cast<int>(e.immutable));
}

void get_environment(Reader& r, Environment& e) {
    for (auto* s : {&e.name, &e.stack, &e.region, &e.template_path, &e.base, &e.promote_from,
                    &e.role_arn, &e.service_role_arn, &e.artifact_bucket, &e.trigger_branch}) {
        r.get(*s);
    }
    r.get(e.parameters), r.get(e.tags), r.get(e.capabilities), r.get(e.pos);
    int promote_tags = 0, immutable = 0;
    r.get(promote_tags), r.get(immutable);
    e.promote_tags = promote_tags != 0, e.immutable = immutable != 0;
}

// `remote.codebuild`: present or not, then its fields; privileged as -1 (unset), 0 or 1.
void put_codebuild(Writer& w, const std::optional<CodeBuildSettings>& c) {
    w.put(static_cast<std::int64_t>(c.has_value()));
    if (!c) return;
    w.put(c->project), w.put(c->region), w.put(c->compute_type), w.put(c->image);
    w.put(static_cast<std::int64_t>(c->privileged ? *c->privileged : -1)), w.put(c->pos);
}

void get_codebuild(Reader& r, std::optional<CodeBuildSettings>& c) {
    std::int64_t present = 0, privileged = -1;
    r.get(present);
    if (!present) return;
    c.emplace();
    r.get(c->project), r.get(c->region), r.get(c->compute_type), r.get(c->image);
    r.get(privileged), r.get(c->pos);
    if (privileged >= 0) c->privileged = privileged == 1;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return {};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes atomically (temp file + rename), so a concurrent reader never sees half a file.
// The folder ignores itself, so git never reports the cache as untracked work.
void write_file(const std::filesystem::path& p, const std::string& bytes) {
    std::error_code ec;
    if (std::filesystem::create_directories(p.parent_path(), ec)) {
        std::ofstream(p.parent_path() / ".gitignore") << "*\n";
    }
    auto temp = p;
    temp += ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return;
    }
    std::filesystem::rename(temp, p, ec);
    if (ec) std::filesystem::remove(temp, ec);
}

}  // namespace

std::string serialize_manifest(const Manifest& m) {
    Writer w;
    w.put(m.file), w.put(m.version), w.put(m.project), w.put(m.store), w.put(m.commit_url);
    w.put(m.image.repository), w.put(m.image.tag), w.put(m.global_inputs), w.put(m.ignore);
    w.put(static_cast<std::int64_t>(m.components.size()));
    for (const auto& c : m.components) put_component(w, c);
    w.put(static_cast<std::int64_t>(m.environments.size()));
    for (const auto& e : m.environments) put_environment(w, e);
    put_codebuild(w, m.codebuild);
    return w.take();
}

std::optional<Manifest> deserialize_manifest(std::string_view bytes) {
    Reader r(bytes);
    Manifest m;
    int version = 0;
    r.get(m.file), r.get(version), r.get(m.project), r.get(m.store), r.get(m.commit_url);
    m.version = version;
    r.get(m.image.repository), r.get(m.image.tag), r.get(m.global_inputs), r.get(m.ignore);
    std::int64_t n = 0;
    r.get(n);
    for (std::int64_t i = 0; i < n && r.ok(); ++i) get_component(r, m.components.emplace_back());
    r.get(n);
    for (std::int64_t i = 0; i < n && r.ok(); ++i)
        get_environment(r, m.environments.emplace_back());
    get_codebuild(r, m.codebuild);
    if (!r.ok()) return std::nullopt;
    return m;
}

common::Result<Manifest> parse_manifest_cached(const std::string& text, const std::string& file,
                                               const std::filesystem::path& cache_dir) {
    // The key only picks the file; the recorded file name and text decide whether it is used.
    const auto key = std::hash<std::string>{}(text) ^ (std::hash<std::string>{}(file)*31);
    const auto path = cache_dir / ("manifest-" + std::to_string(key));
    Writer header;
    header.put(k_magic), header.put(file), header.put(text);
    const std::string prefix = header.take();
    const std::string cached = read_file(path);
    if (cached.size() > prefix.size() &&
        std::string_view(cached).substr(0, prefix.size()) == prefix) {
        if (auto m = deserialize_manifest(std::string_view(cached).substr(prefix.size())))
            return *m;
    }
    auto parsed = parse_manifest(text, file);
    if (parsed) {
        write_file(path, prefix + serialize_manifest(*parsed));
        spdlog::debug("cached the parsed manifest in {}", path.string());
    }
    return parsed;
}

}  // namespace components
