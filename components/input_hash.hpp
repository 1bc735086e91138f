#pragma once
// Input hashes: a build is reused when its component's inputs are exactly those of an
// earlier succeeded build. The inputs are the build command, the blob ids of the
// component's files at head (ignored files left out), the blob ids of the global inputs,
// and the hashes of the components it depends on.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "components/affected.hpp"

namespace components {

/// A file of the head tree: path and blob id.
using TreeFile = std::pair<std::string, std::string>;

/// The input hash of every component (index = the manifest's component order). `hash`
/// turns the canonical text of a component's inputs into its hash (slipway passes git's
/// object hashing). Matching files to components is a data-parallel pass.
std::vector<std::string> input_hashes(const Manifest& manifest, const ComponentGraph& graph,
                                      const Selector& selector, const std::vector<TreeFile>& files,
                                      const std::function<std::string(std::string_view)>& hash);

}  // namespace components
