#pragma once
// An in-memory repository for the adopt library's pure parts: paths and their text.
#include <map>
#include <string>
#include <vector>

#include "adopt/packages.hpp"

namespace adopt_test {

struct RepoFiles {
    std::map<std::string, std::string> text;

    [[nodiscard]] std::vector<std::string> paths() const {
        std::vector<std::string> out;
        for (const auto& [path, content] : text) out.push_back(path);
        return out;  // sorted: std::map
    }
    [[nodiscard]] adopt::ReadFile reader() const {
        return [this](const std::string& path) -> std::optional<std::string> {
            auto it = text.find(path);
            if (it == text.end()) return std::nullopt;
            return it->second;
        };
    }
};

}  // namespace adopt_test
