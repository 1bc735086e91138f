#pragma once
// The table that web/embed_assets.cmake generates (internal to web_assets).
#include <span>

#include "web/assets.hpp"

namespace web::detail {

/// Every embedded file, sorted by path.
std::span<const Asset> embedded_assets();

}  // namespace web::detail
