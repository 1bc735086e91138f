#pragma once
// Reading the pipeline's JSON documents back with rapidjson (not with the writer that made
// them): parse, check that every object's keys are in sorted order (docs/json.md promises
// it at every depth), and list an object's keys to compare with the documented fields.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace pipeline_test {

/// Parses `text`; a parse error fails the test and leaves the document an error.
inline rapidjson::Document parse_json(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    EXPECT_FALSE(d.HasParseError())
        << "not JSON (error " << d.GetParseError() << " at " << d.GetErrorOffset() << "): " << text;
    return d;
}

/// Every place (a JSON-pointer-like path) where an object's keys are not strictly ascending.
inline void unsorted_keys(const rapidjson::Value& v, const std::string& at,
                          std::vector<std::string>& out) {
    if (v.IsObject()) {
        std::string previous;
        bool first = true;
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
            const std::string key(m->name.GetString(), m->name.GetStringLength());
            if (!first && !(previous < key))
                out.push_back(at + ": '" + previous + "' before '" + key + "'");
            previous = key;
            first = false;
            unsorted_keys(m->value, at + "/" + key, out);
        }
    } else if (v.IsArray()) {
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
            unsorted_keys(v[i], at + "/" + std::to_string(i), out);
    }
}

inline std::vector<std::string> unsorted_keys(const rapidjson::Value& v) {
    std::vector<std::string> out;
    unsorted_keys(v, "", out);
    return out;
}

/// An object's keys in document order.
inline std::vector<std::string> keys_of(const rapidjson::Value& v) {
    std::vector<std::string> out;
    if (!v.IsObject()) return out;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) out.emplace_back(m->name.GetString());
    return out;
}

/// A string member, or "(missing)" / "(not a string)".
inline std::string str(const rapidjson::Value& v, const char* key) {
    if (!v.IsObject() || !v.HasMember(key)) return "(missing)";
    if (!v[key].IsString()) return "(not a string)";
    return {v[key].GetString(), v[key].GetStringLength()};
}

/// The strings of an array member, in order.
inline std::vector<std::string> strings(const rapidjson::Value& v, const char* key) {
    std::vector<std::string> out;
    if (!v.IsObject() || !v.HasMember(key) || !v[key].IsArray()) return {"(no array)"};
    for (const auto& s : v[key].GetArray()) out.emplace_back(s.IsString() ? s.GetString() : "(?)");
    return out;
}

}  // namespace pipeline_test
