// Zip format (PKWARE APPNOTE 6.3): per entry a local header + data, then a central directory
// and its end record. Entries are deflated with zlib (raw deflate, level 6, as zip(1) does),
// or stored when deflating does not make them smaller; the output depends only on the files
// and the zlib version, so it stays deterministic. Executable bits are kept in the external
// attributes (Lambda honours them).
#include "deploy/zip.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace deploy {
namespace {

namespace fs = std::filesystem;

struct Entry {
    std::string name;
    std::string data;
    bool executable = false;
};

// `data` as a raw deflate stream, or "" when it would not be smaller.
std::string deflate_raw(const std::string& data) {
    if (data.empty()) return "";
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int done = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (done != Z_STREAM_END || out.size() >= data.size()) return "";
    return out;
}

void put16(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

constexpr std::uint32_t k_dos_date = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr std::uint32_t k_dos_time = 0;

std::string archive(const std::vector<Entry>& entries) {
    std::string out;
    std::string central;
    for (const auto& e : entries) {
        const std::uint32_t offset = static_cast<std::uint32_t>(out.size());
        const std::uint32_t crc = crc32(e.data);
        const auto size = static_cast<std::uint32_t>(e.data.size());
        const auto name_size = static_cast<std::uint32_t>(e.name.size());
        const std::string deflated = deflate_raw(e.data);
        const std::uint32_t method = deflated.empty() ? 0 : 8;  // stored : deflated
        const std::string& body = deflated.empty() ? e.data : deflated;
        const auto packed = static_cast<std::uint32_t>(body.size());
        put32(out, 0x04034b50);
        put16(out, 20);      // version needed
        put16(out, 0x0800);  // UTF-8 names
        put16(out, method);
        put16(out, k_dos_time);
        put16(out, k_dos_date);
        put32(out, crc);
        put32(out, packed);
        put32(out, size);
        put16(out, name_size);
        put16(out, 0);
        out += e.name;
        out += body;

        put32(central, 0x02014b50);
        put16(central, (3 << 8) | 20);  // made by: Unix
        put16(central, 20);
        put16(central, 0x0800);
        put16(central, method);
        put16(central, k_dos_time);
        put16(central, k_dos_date);
        put32(central, crc);
        put32(central, packed);
        put32(central, size);
        put16(central, name_size);
        put16(central, 0);  // extra
        put16(central, 0);  // comment
        put16(central, 0);  // disk
        put16(central, 0);  // internal attributes
        put32(central, (e.executable ? 0100755u : 0100644u) << 16);
        put32(central, offset);
        central += e.name;
    }
    const auto central_offset = static_cast<std::uint32_t>(out.size());
    out += central;
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<std::uint32_t>(entries.size()));
    put16(out, static_cast<std::uint32_t>(entries.size()));
    put32(out, static_cast<std::uint32_t>(central.size()));
    put32(out, central_offset);
    put16(out, 0);
    return out;
}

common::Result<Entry> read_entry(const fs::path& file, std::string name) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return common::fail(common::ErrorCode::input, "cannot read " + file.string());
    std::ostringstream data;
    data << in.rdbuf();
    std::error_code ec;
    const auto perms = fs::status(file, ec).permissions();
    const bool exec = (perms & fs::perms::owner_exec) != fs::perms::none;
    return Entry{std::move(name), data.str(), exec};
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
    uLong c = ::crc32(0L, Z_NULL, 0);
    // zlib takes at most uInt bytes a call.
    for (std::size_t at = 0; at < data.size(); at += 1u << 30) {
        const auto n = std::min<std::size_t>(data.size() - at, 1u << 30);
        c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data() + at), static_cast<uInt>(n));
    }
    return static_cast<std::uint32_t>(c);
}

common::Result<std::string> zip_directory(const std::string& dir) {
    std::vector<Entry> entries;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
    if (ec)
        return common::fail(common::ErrorCode::input,
                            "cannot read folder " + dir + ": " + ec.message());
    for (const auto& f : it) {
        if (!f.is_regular_file()) continue;
        auto entry = read_entry(f.path(), fs::relative(f.path(), dir).generic_string());
        if (!entry) return std::unexpected(entry.error());
        entries.push_back(std::move(*entry));
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return archive(entries);
}

common::Result<std::string> zip_file(const std::string& path) {
    auto entry = read_entry(path, fs::path(path).filename().string());
    if (!entry) return std::unexpected(entry.error());
    return archive({*entry});
}

}  // namespace deploy
