#pragma once
// Affected selection: which components a set of changed paths touches, and why.
//
//   affected = components whose paths match a changed path
//            ∪ every component, when a global input changed
//            ∪ docker components whose build reads a changed path (docker_context.hpp)
//            ∪ the transitive dependents of those,
// after dropping the changed paths that `ignore` matches. Each component carries its
// reasons; the order is the graph's (dependencies first, ties by name). Pure: no git, no
// files. Renames need no special care: callers pass both paths of a rename.
#include <span>
#include <string>
#include <vector>

#include "components/docker_context.hpp"
#include "components/graph.hpp"
#include "components/manifest.hpp"
#include "components/pattern_index.hpp"

namespace components {

/// `deployed_commit`: not from a diff -- the image deployed in the environment has no known
/// commit, or none is deployed (a run's per-component selection; `pattern` says which).
/// `docker`: the component's Docker build context, Dockerfile or .dockerignore changed.
enum class ReasonKind { path, dependency, global, deployed_commit, docker };

std::string_view to_string(ReasonKind kind);

struct Reason {
    ReasonKind kind = ReasonKind::path;
    std::string path;        // path, global, docker: the changed path
    std::string pattern;     // path, global: the pattern that matched it; docker: what the
                             // path is to the build (its Dockerfile, ignore file, or context
                             // directory with a trailing '/')
    std::string dependency;  // dependency: the affected component depended on
};

struct AffectedComponent {
    std::string name;
    ComponentKind kind = ComponentKind::image;
    std::vector<Reason> reasons;  // path (by path), then dependency (by name), then global
};

struct Selection {
    std::vector<std::string> changed;  // every changed path given, sorted, unique
    std::vector<std::string> ignored;  // changed paths matched by `ignore`
    std::vector<std::string> unowned;  // not ignored, matched by no component or global input
    std::vector<AffectedComponent> affected;
};

class Selector {
  public:
    /// Compiles every pattern of the manifest once; keeps `graph` (the manifest's).
    Selector(const Manifest& manifest, ComponentGraph graph);

    /// Loads the ignore files of the docker components' build contexts (docker_context.hpp)
    /// through `read`. Until then a change anywhere in a build context affects its component.
    common::Result<void> load_docker_ignores(const ReadTreeFile& read);

    /// The selection for a set of changed paths (any order, duplicates allowed).
    [[nodiscard]] Selection select(std::span<const std::string> changed_paths) const;

    /// The compiled patterns: owner i < component count is component i; then `ignore`,
    /// then `global_inputs`.
    [[nodiscard]] const PatternIndex& index() const { return m_index; }
    [[nodiscard]] std::uint32_t ignore_owner() const { return m_ignore_owner; }
    [[nodiscard]] std::uint32_t global_owner() const { return m_global_owner; }
    /// The docker components' build contexts.
    [[nodiscard]] const std::vector<DockerContext>& docker() const { return m_docker; }

  private:
    std::vector<ComponentKind> m_kinds;
    ComponentGraph m_graph;
    PatternIndex m_index;
    std::uint32_t m_ignore_owner = 0;
    std::uint32_t m_global_owner = 0;
    std::vector<DockerContext> m_docker;
};

}  // namespace components
