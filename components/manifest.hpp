#pragma once
// The manifest (`slipway.yml`) as plain values. Loading checks everything that can be
// checked without git: keys, types, names, references between components and
// environments, dependency cycles, durations and tag placeholders. docs/manifest.md is the
// reference.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace components {

/// Where a value was written: file, 1-based line and column.
struct SourcePos {
    std::string file;
    int line = 0;
    int column = 0;
    [[nodiscard]] std::string str() const;  // "file:line:column"
};

struct PatternSpec {
    std::string text;
    SourcePos pos;
};

enum class ComponentKind { image, library, config };

std::string_view to_string(ComponentKind kind);

/// A component's `docker` section: how its image is built, so that the input hash and
/// selection cover what `docker build` reads (components/docker_inputs.hpp). Paths are from
/// the repository root, clean (no `.`, `..` or empty segments); "." is the root.
struct DockerBuild {
    std::string context;                      // the build context directory
    std::string file;                         // the Dockerfile; default <context>/Dockerfile
    std::map<std::string, std::string> args;  // --build-arg NAME=VALUE
    std::string platform;                     // --platform, e.g. linux/arm64; "" the builder's
    std::string target;                       // --target stage; "" the last
    SourcePos pos;
};

/// The command a `docker` section builds with when the component gives no `build`:
/// `docker build` with the section's flags, tagged $SLIPWAY_IMAGE_URI, then `docker push`.
std::string docker_build_command(const DockerBuild& d);

struct Component {
    std::string name;
    ComponentKind kind = ComponentKind::image;
    std::vector<PatternSpec> paths;
    std::vector<std::string> depends_on;
    std::string parameter;            // CloudFormation parameter receiving the image URI
    std::string build;                // shell command, run with `sh -c` in the repository root
    std::chrono::seconds timeout{0};  // 0: no limit
    SourcePos pos;
    std::string remote{};  // where `build` runs: "" here, "codebuild" on AWS CodeBuild
    std::optional<DockerBuild> docker{};  // `docker`: the image's Dockerfile, context, args
};

struct Environment {
    std::string name;
    std::string stack;
    std::string region;
    std::string template_path;
    std::string base;              // default diff base when nothing is deployed yet
    std::string promote_from;      // environment whose images this one receives
    std::string role_arn;          // assumed for every AWS call of this environment
    std::string service_role_arn;  // CloudFormation's service role (RoleARN)
    std::string artifact_bucket;
    std::map<std::string, std::string> parameters;
    std::map<std::string, std::string> tags;
    std::vector<std::string> capabilities;
    std::string trigger_branch;  // trigger.branch: `slipway serve` runs it on pushes there
    bool promote_tags = false;   // image.promote_tags: tag deployed ECR images <component>-<env>
    bool immutable = false;      // image.immutable: also <component>-<env>-<timestamp>
    SourcePos pos;
};

struct ImageSettings {
    std::string repository;
    std::string tag = "{component}-{build}";
};

/// The CodeBuild project remote builds run in (manifest `remote.codebuild`); empty strings
/// keep the project's own settings.
struct CodeBuildSettings {
    std::string project;
    std::string region;              // default: the AWS region of the environment (AWS_REGION, ...)
    std::string compute_type;        // computeTypeOverride, e.g. BUILD_GENERAL1_MEDIUM
    std::string image;               // imageOverride
    std::optional<bool> privileged;  // privilegedModeOverride
    SourcePos pos;
};

struct Manifest {
    std::string file;  // as given to the loader
    int version = 1;
    std::string project;
    std::string store;       // version store URL; empty: the default
    std::string commit_url;  // a commit's web page, "{commit}" replaced (links in the page)
    ImageSettings image;
    std::vector<PatternSpec> global_inputs;
    std::vector<PatternSpec> ignore;
    std::vector<Component> components;  // in the order written
    std::vector<Environment> environments;
    std::optional<CodeBuildSettings> codebuild{};  // `remote.codebuild`, when given

    /// The component named `name`, or nullptr.
    [[nodiscard]] const Component* find(std::string_view name) const;
    [[nodiscard]] std::vector<std::string> component_names() const;
};

/// Limits on what a manifest may be (docs/manifest.md): its size, how deeply its YAML nests,
/// and how many nodes its aliases may add; durations (`timeout`) are at most 7 days.
inline constexpr std::size_t k_max_manifest_bytes = std::size_t{8} << 20;
inline constexpr int k_max_manifest_depth = 64;
inline constexpr std::uint64_t k_max_manifest_alias_nodes = 1'000'000;
inline constexpr std::chrono::seconds k_max_duration{7 * 24 * 3600};

/// Parses manifest text; `file` names it in error messages. Fails with ErrorCode::input and
/// a message starting "file:line:column: " (a limit above exceeded included).
common::Result<Manifest> parse_manifest(const std::string& text, const std::string& file);

/// Reads and parses a manifest file (reading no more than the size limit allows).
common::Result<Manifest> load_manifest(const std::string& path);

/// Parses a duration such as "90s", "20m", "1h30m" or "45" (seconds): more than zero and at
/// most k_max_duration, else nullopt.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

/// Whether `text` is a well-formed duration longer than k_max_duration (so the message can
/// say "too long" rather than "bad").
bool duration_exceeds_limit(std::string_view text);

/// A valid component or environment name: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
bool valid_name(std::string_view name);

/// The first placeholder in a tag template that slipway does not know, or "".
std::string unknown_placeholder(std::string_view tag_template);

}  // namespace components
