#pragma once
// Writing JSON documents whose keys the caller puts in sorted order (every JSON output of
// slipway is deterministic, docs/json.md): a thin layer over rapidjson's writer that takes
// std::string values whole (NULs and all), writes optional values as null, and ends the
// document with a newline.
//
// The one escaping rule of slipway's JSON (docs/json.md): a document is always valid UTF-8.
// Text is written as it is when it is well-formed UTF-8 (control characters as JSON escapes);
// otherwise every byte that starts no well-formed sequence becomes U+FFFD -- commit
// summaries, authors, messages and other text from outside. A path is not text: path()
// writes common::json_path's lossless form (git's quoting when it is not UTF-8).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/path_text.hpp"

namespace common {

/// `text` as slipway's JSON holds it: unchanged when it is well-formed UTF-8, else with each
/// byte that starts no well-formed sequence replaced by U+FFFD.
std::string json_text(std::string_view text);

class JsonOut {
  public:
    JsonOut() : m_w(m_buffer) {}

    JsonOut& begin_object() { return m_w.StartObject(), *this; }
    JsonOut& end_object() { return m_w.EndObject(), *this; }
    JsonOut& begin_array() { return m_w.StartArray(), *this; }
    JsonOut& end_array() { return m_w.EndArray(), *this; }
    /// A key, then the caller writes its value.
    JsonOut& key(std::string_view name) {
        const std::string safe = json_text(name);
        m_w.Key(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
        return *this;
    }
    JsonOut& value(std::string_view text) {
        if (is_utf8(text)) {
            m_w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        } else {
            const std::string safe = json_text(text);
            m_w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
        }
        return *this;
    }
    /// A path, in json_path's lossless form.
    JsonOut& path(std::string_view p) { return value(json_path(p)); }
    /// `"name": path`.
    JsonOut& path_field(std::string_view name, std::string_view p) { return key(name).path(p); }
    JsonOut& value(const char* text) { return value(std::string_view(text)); }
    JsonOut& value(const std::string& text) { return value(std::string_view(text)); }
    JsonOut& value(std::int64_t n) { return m_w.Int64(n), *this; }
    JsonOut& value(int n) { return m_w.Int(n), *this; }
    JsonOut& value(bool b) { return m_w.Bool(b), *this; }
    JsonOut& null() { return m_w.Null(), *this; }
    /// A value that is JSON text already (an object), written as it is.
    JsonOut& raw(std::string_view json) {
        m_w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
        return *this;
    }
    template <typename T>
    JsonOut& value(const std::optional<T>& v) {
        return v ? value(*v) : null();
    }
    /// `"name": value`.
    template <typename T>
    JsonOut& field(std::string_view name, const T& v) {
        return key(name).value(v);
    }
    /// `"name": value`, or null when `present` is false.
    template <typename T>
    JsonOut& field_or_null(std::string_view name, bool present, const T& v) {
        key(name);
        return present ? value(v) : null();
    }

    /// The document, with a final newline.
    [[nodiscard]] std::string str() const {
        return std::string(m_buffer.GetString(), m_buffer.GetSize()) + "\n";
    }

  private:
    rapidjson::StringBuffer m_buffer;
    rapidjson::Writer<rapidjson::StringBuffer> m_w;
};

}  // namespace common
