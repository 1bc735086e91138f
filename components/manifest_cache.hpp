#pragma once
// A cache of parsed manifests. yaml-cpp needs ~55 ms for a 2,000-component manifest, more
// than git needs to diff a 100,000-file tree; a cached manifest loads in about 2 ms. A
// cache file records the manifest's file name and full text next to the parsed values and
// is used only when both match byte for byte, so it can never serve a stale manifest.
// Only valid manifests are cached; a cache that cannot be read or written is ignored.
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "components/manifest.hpp"

namespace components {

/// parse_manifest(text, file), through the cache folder `cache_dir`.
common::Result<Manifest> parse_manifest_cached(const std::string& text, const std::string& file,
                                               const std::filesystem::path& cache_dir);

/// The parsed manifest as bytes, and back (nullopt when the bytes are not a valid record).
std::string serialize_manifest(const Manifest& manifest);
std::optional<Manifest> deserialize_manifest(std::string_view bytes);

}  // namespace components
