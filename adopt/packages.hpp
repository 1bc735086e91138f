#pragma once
// The code packages of a repository that `slipway init` turns into components, and the
// dependencies between them, as their own manifests declare them:
//   - npm, yarn and pnpm workspaces: the folders the root package.json's `workspaces` (a
//     list, or yarn's {packages: [...]}) or pnpm-workspace.yaml's `packages` match, each with
//     a package.json; one depends on another when it names it in dependencies,
//     peerDependencies or optionalDependencies (devDependencies are development tools:
//     listed apart, never depends_on);
//   - Python packages: folders below the root with a pyproject.toml; one depends on another
//     when it needs it at run time ([project] dependencies, Poetry's dependencies), found by
//     its project name (a uv workspace) or by a source's `path = "..."` (Poetry, uv, PDM);
//     dependency groups, optional and dev dependencies are development only;
//   - Go modules: folders below the root with a go.mod; one depends on another when it
//     requires that module's path, or replaces something with that folder.
// Workspace patterns are matched per path segment: `*` and `?` within a segment (fnmatch),
// `**` for any number of segments, `!pattern` excludes. Pure: files listed, text read
// through a function.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace adopt {

/// Reads a repository file by its repository-relative path; nullopt when it cannot.
using ReadFile = std::function<std::optional<std::string>(const std::string& path)>;

enum class PackageKind { npm, python, go };

struct Package {
    PackageKind kind = PackageKind::npm;
    std::string folder;                       // repository-relative, never the root
    std::string name;                         // npm name, Go module path, Python project name
    std::vector<std::string> depends_on;      // folders of other packages, sorted
    std::vector<std::string> dev_depends_on;  // needed only in development (not depends_on)
    std::string manifest;                     // "packages/a/package.json"
};

/// "npm workspace", "Python package", "Go module".
std::string describe(PackageKind kind);

/// Every package below the root of `files` (sorted repository-relative paths), sorted by
/// folder. Unreadable or malformed package files are skipped and reported in `notes`.
std::vector<Package> find_packages(const std::vector<std::string>& files, const ReadFile& read,
                                   std::vector<std::string>& notes);

/// Whether the folder matches a workspace pattern ("packages/*", "apps/**", "./tools/cli").
bool workspace_match(const std::string& pattern, const std::string& folder);

/// The workspace patterns of a root package.json and of pnpm-workspace.yaml (either may be
/// empty text).
std::vector<std::string> workspace_patterns(const std::string& package_json,
                                            const std::string& pnpm_workspace);

}  // namespace adopt
