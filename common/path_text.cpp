// See path_text.hpp.
#include "common/path_text.hpp"

#include <cstdint>
#include <cstdio>

namespace common {
namespace {

// The letter escape git uses for a control character, or 0 for an octal escape.
char letter_escape(unsigned char c) {
    switch (c) {
        case '\a':
            return 'a';
        case '\b':
            return 'b';
        case '\t':
            return 't';
        case '\n':
            return 'n';
        case '\v':
            return 'v';
        case '\f':
            return 'f';
        case '\r':
            return 'r';
        case '"':
            return '"';
        case '\\':
            return '\\';
        default:
            return 0;
    }
}

bool must_quote(unsigned char c, bool quote_non_ascii) {
    return c < 0x20 || c == '"' || c == '\\' || c == 0x7f || (c >= 0x80 && quote_non_ascii);
}

}  // namespace

std::string quote_path(std::string_view path, bool quote_non_ascii) {
    bool needed = false;
    for (unsigned char c : path) needed = needed || must_quote(c, quote_non_ascii);
    if (!needed) return std::string(path);
    std::string out = "\"";
    for (unsigned char c : path) {
        if (!must_quote(c, quote_non_ascii)) {
            out += static_cast<char>(c);
        } else if (char letter = letter_escape(c)) {
            out += '\\';
            out += letter;
        } else {
            char octal[8];
            std::snprintf(octal, sizeof octal, "\\%03o", c);
            out += octal;
        }
    }
    return out + "\"";
}

std::string unquote_path(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::string(text);
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        char c = text[i];
        if (c != '\\' || i + 2 >= text.size()) {
            out += c;
            continue;
        }
        char e = text[++i];
        switch (e) {
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 't':
                out += '\t';
                break;
            case 'n':
                out += '\n';
                break;
            case 'v':
                out += '\v';
                break;
            case 'f':
                out += '\f';
                break;
            case 'r':
                out += '\r';
                break;
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7': {
                int value = e - '0';
                for (int k = 0;
                     k < 2 && i + 2 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7';
                     ++k) {
                    value = value * 8 + (text[++i] - '0');
                }
                out += static_cast<char>(value);
                break;
            }
            default:
                out += e;
        }
    }
    return out;
}

std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    static constexpr std::uint32_t k_smallest[] = {0, 0x80, 0x800, 0x10000};
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t more = 0;
    std::uint32_t cp = lead;
    if (lead >= 0x80) {
        if (lead >= 0xc2 && lead <= 0xdf) {
            more = 1, cp = lead & 0x1f;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            more = 2, cp = lead & 0x0f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            more = 3, cp = lead & 0x07;
        } else {
            return 0;
        }
    }
    if (text.size() - i <= more) return 0;
    for (std::size_t k = 1; k <= more; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (next & 0x3f);
    }
    if (cp < k_smallest[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return more + 1;
}

bool is_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_sequence(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string json_path(std::string_view path) {
    if (is_utf8(path) && !path.starts_with('"')) return std::string(path);
    // Quoted even when there is nothing else to quote, so that a quoted form is recognisable.
    std::string quoted = quote_path(path, true);
    if (!quoted.starts_with('"')) quoted = "\"" + quoted + "\"";
    return quoted;
}

}  // namespace common
