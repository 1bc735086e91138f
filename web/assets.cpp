#include "web/assets.hpp"

#include <algorithm>

#include "web/embedded.hpp"

namespace web {

const Asset* find_asset(std::string_view path) {
    const auto table = detail::embedded_assets();
    const auto it = std::lower_bound(table.begin(), table.end(), path,
                                     [](const Asset& a, std::string_view p) { return a.path < p; });
    return it != table.end() && it->path == path ? &*it : nullptr;
}

}  // namespace web
