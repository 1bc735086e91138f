#pragma once
// Input hashes: a build is reused when its component's inputs are exactly those of an
// earlier succeeded build. The inputs are the build command, the blob ids of the
// component's files at head (ignored files left out), the blob ids of the global inputs,
// and the hashes of the components it depends on. A docker component adds what `docker
// build` reads (docker_context.hpp): its Dockerfile, every file of the build context the
// ignore file sends (blob id and mode, so `chmod +x` counts), the build args, the platform,
// the target stage and the base images its FROM lines name (a digest pins one; a tag is
// only its name). All from git's ids: no file is read but the Dockerfiles.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "components/affected.hpp"

namespace components {

/// A file of the head tree: path, blob id and git mode (0100644, 0100755, 0120000, 0160000).
struct TreeFile {
    std::string path;
    std::string id;
    std::uint32_t mode = 0100644;
};

/// The input hash of every component (index = the manifest's component order). `hash`
/// turns the canonical text of a component's inputs into its hash (slipway passes git's
/// object hashing). `selector`'s docker contexts must have their ignore files loaded;
/// `dockerfiles` holds the text of each docker component's Dockerfile (by path; absent: not
/// in the tree). Matching files to components is a data-parallel pass.
std::vector<std::string> input_hashes(const Manifest& manifest, const ComponentGraph& graph,
                                      const Selector& selector, const std::vector<TreeFile>& files,
                                      const std::function<std::string(std::string_view)>& hash,
                                      const std::map<std::string, std::string>& dockerfiles = {});

}  // namespace components
