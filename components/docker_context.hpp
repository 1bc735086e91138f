#pragma once
// What a docker component's image build reads, beyond the component's own `paths`: its
// Dockerfile, the ignore file in force, and every file of the build context that the ignore
// file does not leave out (dockerignore.hpp). A change to any of them affects the component
// (selection) and changes its input hash. The ignore file is BuildKit's choice: the
// Dockerfile's own `<Dockerfile>.dockerignore` when there is one, else `<context>/.dockerignore`;
// both names count as inputs, since adding either changes the context.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "components/dockerignore.hpp"
#include "components/manifest.hpp"

namespace components {

/// Reads a file of the tree the manifest describes (a commit's, or the work tree): its text,
/// nullopt when there is no such file.
using ReadTreeFile =
    std::function<common::Result<std::optional<std::string>>(const std::string& path)>;

/// Which of a docker build's inputs a path is.
enum class DockerInput { none, dockerfile, ignore_file, context };

struct DockerContext {
    std::size_t component = 0;        // index in the manifest
    DockerBuild build;                // a copy: a Selector outlives the manifest it was made from
    std::string prefix;               // the context's files start with this ("" for the root)
    std::string own_ignore_file;      // <Dockerfile>.dockerignore
    std::string context_ignore_file;  // <context>/.dockerignore
    std::optional<DockerIgnore> ignore;  // the file in force, once loaded (until then, or
                                         // without one, the whole context is sent)

    /// What `path` (from the repository root) is to this build.
    [[nodiscard]] DockerInput input(std::string_view path) const;
    /// Whether a file of the context (path relative to it) is sent to the build.
    [[nodiscard]] bool sends(std::string_view relative) const;
};

/// The docker contexts of a manifest's components (those with a `docker` section), ignore
/// files not loaded.
std::vector<DockerContext> docker_contexts(const Manifest& m);

/// Loads each context's ignore file through `read`. Fails with ErrorCode::input naming the
/// ignore file's line for a pattern Docker refuses, or with `read`'s error.
common::Result<void> load_ignore_files(std::vector<DockerContext>& contexts,
                                       const ReadTreeFile& read);

}  // namespace components
