#pragma once
// Internal to the versioning library: DynamoDB's typed JSON ({"S": ...}, {"N": ...}) built
// and read with rapidjson.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace versioning::detail {

using Json = rapidjson::Document;
using JsonValue = rapidjson::Value;

/// An item (or key, or expression-value map) under construction.
class Item {
  public:
    explicit Item(Json::AllocatorType& a) : m_a(a), m_v(rapidjson::kObjectType) {}
    Item& s(const std::string& name, const std::string& value);
    Item& n(const std::string& name, std::int64_t value);
    Item& b(const std::string& name, bool value);
    Item& list(const std::string& name, const std::vector<std::string>& values);
    Item& raw(const std::string& name, JsonValue value);
    JsonValue take() { return std::move(m_v); }

  private:
    Json::AllocatorType& m_a;
    JsonValue m_v;
};

std::string to_text(const JsonValue& v);

/// Readers over a returned item; missing attributes read as empty/0/nullopt.
std::string get_s(const JsonValue& item, const char* name);
std::int64_t get_n(const JsonValue& item, const char* name);
std::optional<std::int64_t> get_optional_n(const JsonValue& item, const char* name);
bool get_b(const JsonValue& item, const char* name);
std::vector<std::string> get_list(const JsonValue& item, const char* name);

/// "000000000042": keys that sort as numbers.
std::string pad(std::int64_t n);

}  // namespace versioning::detail
