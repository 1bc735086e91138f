// Zip format (PKWARE APPNOTE 6.3): per entry a local header + data, then a central directory
// and its end record. Only what a stored, deterministic archive needs; executable bits are
// kept in the external attributes (Lambda honours them).
#include "deploy/zip.hpp"

#include <sys/stat.h>

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
        put32(out, 0x04034b50);
        put16(out, 20);      // version needed
        put16(out, 0x0800);  // UTF-8 names
        put16(out, 0);       // stored
        put16(out, k_dos_time);
        put16(out, k_dos_date);
        put32(out, crc);
        put32(out, size);
        put32(out, size);
        put16(out, name_size);
        put16(out, 0);
        out += e.name;
        out += e.data;

        put32(central, 0x02014b50);
        put16(central, (3 << 8) | 20);  // made by: Unix
        put16(central, 20);
        put16(central, 0x0800);
        put16(central, 0);
        put16(central, k_dos_time);
        put16(central, k_dos_date);
        put32(central, crc);
        put32(central, size);
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
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
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
