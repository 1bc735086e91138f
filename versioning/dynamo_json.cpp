#include "versioning/dynamo_json.hpp"

#include <cstdio>

namespace versioning::detail {

namespace {

JsonValue str(const std::string& s, Json::AllocatorType& a) {
    return JsonValue(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

JsonValue typed(const char* type, JsonValue v, Json::AllocatorType& a) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember(JsonValue(type, a), v, a);
    return o;
}

const JsonValue* attr(const JsonValue& item, const char* name, const char* type) {
    if (!item.IsObject()) return nullptr;
    auto it = item.FindMember(name);
    if (it == item.MemberEnd() || !it->value.IsObject()) return nullptr;
    auto t = it->value.FindMember(type);
    return t == it->value.MemberEnd() ? nullptr : &t->value;
}

}  // namespace

Item& Item::s(const std::string& name, const std::string& value) {
    m_v.AddMember(str(name, m_a), typed("S", str(value, m_a), m_a), m_a);
    return *this;
}

Item& Item::n(const std::string& name, std::int64_t value) {
    m_v.AddMember(str(name, m_a), typed("N", str(std::to_string(value), m_a), m_a), m_a);
    return *this;
}

Item& Item::b(const std::string& name, bool value) {
    m_v.AddMember(str(name, m_a), typed("BOOL", JsonValue(value), m_a), m_a);
    return *this;
}

Item& Item::list(const std::string& name, const std::vector<std::string>& values) {
    JsonValue l(rapidjson::kArrayType);
    for (const auto& v : values) l.PushBack(typed("S", str(v, m_a), m_a), m_a);
    m_v.AddMember(str(name, m_a), typed("L", std::move(l), m_a), m_a);
    return *this;
}

Item& Item::raw(const std::string& name, JsonValue value) {
    m_v.AddMember(str(name, m_a), value, m_a);
    return *this;
}

std::string to_text(const JsonValue& v) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    v.Accept(w);
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string get_s(const JsonValue& item, const char* name) {
    const auto* v = attr(item, name, "S");
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

std::int64_t get_n(const JsonValue& item, const char* name) {
    return get_optional_n(item, name).value_or(0);
}

std::optional<std::int64_t> get_optional_n(const JsonValue& item, const char* name) {
    const auto* v = attr(item, name, "N");
    if (!v || !v->IsString()) return std::nullopt;
    return std::stoll(v->GetString());
}

bool get_b(const JsonValue& item, const char* name) {
    const auto* v = attr(item, name, "BOOL");
    return v && v->IsBool() && v->GetBool();
}

std::vector<std::string> get_list(const JsonValue& item, const char* name) {
    std::vector<std::string> out;
    const auto* v = attr(item, name, "L");
    if (!v || !v->IsArray()) return out;
    for (const auto& e : v->GetArray()) {
        auto s = e.FindMember("S");
        if (s != e.MemberEnd() && s->value.IsString())
            out.emplace_back(s->value.GetString(), s->value.GetStringLength());
    }
    return out;
}

std::string pad(std::int64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(n));
    return buf;
}

}  // namespace versioning::detail
