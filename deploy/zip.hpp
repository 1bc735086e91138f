#pragma once
// A deterministic zip writer for Lambda and SAM code bundles: entries sorted by path, fixed
// timestamps (1980-01-01), no extra fields, deflated with zlib (stored when that is not
// smaller). The same folder always
// gives the same bytes, so the content-hash key of an upload only changes when the code does
// (`aws cloudformation package` stamps modification times into its zips, which defeats that).
#include <string>

#include "common/error.hpp"

namespace deploy {

/// The files under `dir` (recursively, symlinks followed, paths relative to `dir` with '/'),
/// as a zip archive in memory. Fails with ErrorCode::input when the folder cannot be read.
common::Result<std::string> zip_directory(const std::string& dir);

/// One file as a zip archive holding it under its file name.
common::Result<std::string> zip_file(const std::string& path);

/// CRC-32 (ISO-HDLC, as zip uses it).
std::uint32_t crc32(std::string_view data);

}  // namespace deploy
