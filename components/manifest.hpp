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
#include "common/time_zone.hpp"

namespace components {

struct ComponentGraph;

/// Where a value was written: file, 1-based line and column. `file` is common::intern()ed
/// (one copy of the name for every position in a manifest).
struct SourcePos {
    std::string_view file;
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

/// A stack parameter's value: a literal, or an output of another stack of the environment
/// (`{stack: S, output: O}`), read from S in the same region and account when this stack
/// deploys.
struct StackParameter {
    std::string value;   // the literal (when `stack` is empty)
    std::string stack;   // the stack whose output it is
    std::string output;  // the output's name
    SourcePos pos;
    [[nodiscard]] bool from_output() const { return !stack.empty(); }
};

/// One CloudFormation stack of an environment: its template, the components whose images
/// it receives, and its own parameters. The one-`stack` form of an environment is an
/// environment with one stack that holds every image and config component.
struct Stack {
    std::string name;  // the CloudFormation stack name
    std::string template_path;
    std::vector<PatternSpec> components;  // as written: names, name globs, folder globs
    std::map<std::string, StackParameter> parameters;
    std::vector<std::string> depends_on;  // deployed after these (besides the outputs it reads)
    SourcePos pos;
    bool every_component = false;  // the one-stack form: every image and config component
    // Settled when the manifest loads:
    std::vector<std::string> members;  // image and config components it deploys, in manifest order
    std::vector<std::size_t> after;    // indices of the stacks it waits for (outputs, depends_on)
};

/// Where an environment's stacks are deployed: a region in an account, in a wave. The
/// one-region form has one target; `regions` x `accounts` make several.
struct Target {
    std::string region;    // "" : the AWS configuration's
    std::string account;   // "" : the credentials' own account
    std::string role_arn;  // assumed for every AWS call there ("" : none)
    std::size_t wave = 0;  // waves deploy one after another, in order
    bool named = false;    // given by `regions` / `accounts`: recorded with its deployments
    /// "us-east-1", "111111111111/us-east-1" (named targets), else "".
    [[nodiscard]] std::string label() const;
    /// The region and account recorded with a deployment here ("" for the one-region form,
    /// so its records are those slipway wrote before environments had several stacks).
    [[nodiscard]] std::string recorded_region() const { return named ? region : ""; }
    [[nodiscard]] std::string recorded_account() const { return named ? account : ""; }
    /// The target a deployment record names by its region and account (named when it has a
    /// region: the one-region form records none).
    [[nodiscard]] static Target recorded(std::string region, std::string account) {
        Target t;
        t.named = !region.empty();
        t.region = std::move(region), t.account = std::move(account);
        return t;
    }
};

/// A window in which nothing is promoted into an environment: either recurring (`cron` in
/// `tz`, each start lasting `duration`) or once (`from` to `to`, local times in `tz`).
struct FreezeWindow {
    std::string cron;                  // when each window starts, on `tz`'s wall clock
    std::chrono::seconds duration{0};  // how long each lasts (absolute time)
    std::string from, to;              // "YYYY-MM-DDTHH:MM[:SS]" on `tz`'s wall clock
    std::string tz = "UTC";            // a tz database name
    std::string reason;                // for people ("weekend", "holidays")
    SourcePos pos;
};

/// What a promotion into an environment must pass (docs/deploy.md, "Gates").
struct Gates {
    int approvals = 0;                   // distinct people other than the requester
    std::vector<std::string> approvers;  // who may approve: names and "team:NAME"; empty: anyone
    std::chrono::seconds soak{0};        // how long the source ran the images (succeeded)
    std::vector<FreezeWindow> freeze;
    SourcePos pos;
    [[nodiscard]] bool any() const { return approvals > 0 || soak.count() > 0 || !freeze.empty(); }
};

/// CloudFormation's RollbackConfiguration for every change set of an environment.
struct Alarms {
    std::vector<std::string> arns;    // CloudWatch alarm ARNs
    std::chrono::seconds monitor{0};  // MonitoringTimeInMinutes (rounded up)
};

struct Environment {
    std::string name;
    std::string region;            // the one-region form's region ("" : the AWS configuration's)
    std::string base;              // default diff base when nothing is deployed yet
    std::string promote_from;      // environment whose images this one receives
    std::string role_arn;          // assumed for every AWS call of this environment
    std::string service_role_arn;  // CloudFormation's service role (RoleARN)
    std::string artifact_bucket;
    /// Parameters for every stack whose template declares them (`stacks` form; the one-stack
    /// form's `parameters` are its stack's).
    std::map<std::string, std::string> parameters;
    SourcePos parameters_pos;
    std::map<std::string, std::string> tags;
    std::vector<std::string> capabilities;
    std::string trigger_branch;  // trigger.branch: `slipway serve` runs it on pushes there
    bool promote_tags = false;   // image.promote_tags: tag deployed ECR images <component>-<env>
    bool immutable = false;      // image.immutable: also <component>-<env>-<timestamp>
    std::string url;             // where the environment answers (GitHub's environment_url)
    bool production = false;     // GitHub's production_environment
    bool plan_pull_requests = false;  // promoted from an environment a PR's base triggers:
                                      // plan the PR for this environment too
    SourcePos pos;
    std::vector<Stack> stacks;    // at least one once loaded
    std::vector<Target> targets;  // at least one once loaded, by wave then as written
    std::size_t waves = 1;        // how many waves the targets make

    /// The stack named `name`, or nullptr.
    [[nodiscard]] const Stack* find_stack(std::string_view name) const;
    /// The stack that deploys component `component`, or nullptr (a library; a config
    /// component listed in no stack).
    [[nodiscard]] const Stack* stack_of(std::string_view component) const;
    Gates gates{};              // gates of promotions into this environment
    Alarms alarms{};            // rollback triggers of its change sets
    bool promote_auto = false;  // promote: auto -- `slipway serve` promotes when gates pass
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
    /// `teams:` -- who is in each team an approvers list names as "team:NAME".
    std::map<std::string, std::vector<std::string>> teams{};

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
/// a message starting "file:line:column: " (a limit above exceeded included). With `graph`,
/// also gives the dependency graph the checks built (what build_graph() would build).
common::Result<Manifest> parse_manifest(const std::string& text, const std::string& file,
                                        ComponentGraph* graph = nullptr);
/// The same, for a text the parse may keep instead of copying.
common::Result<Manifest> parse_manifest(std::string&& text, const std::string& file,
                                        ComponentGraph* graph = nullptr);

/// Reads and parses a manifest file (reading no more than the size limit allows).
common::Result<Manifest> load_manifest(const std::string& path, ComponentGraph* graph = nullptr);

/// Parses a duration such as "90s", "20m", "1h30m" or "45" (seconds): more than zero and at
/// most k_max_duration, else nullopt.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

/// A duration as parse_duration reads it, with another upper limit (freeze windows: 31 days).
std::optional<std::chrono::seconds> parse_duration_up_to(std::string_view text,
                                                         std::chrono::seconds limit);

/// The longest freeze window (`duration`): 31 days.
inline constexpr std::chrono::seconds k_max_freeze{31 * 24 * 3600};

/// Whether `text` is a well-formed duration longer than k_max_duration (so the message can
/// say "too long" rather than "bad").
bool duration_exceeds_limit(std::string_view text);

/// A freeze window's "YYYY-MM-DDTHH:MM[:SS]" as a civil time, or nullopt.
std::optional<common::CivilTime> parse_local_time(std::string_view text);

/// A valid component or environment name: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
bool valid_name(std::string_view name);

/// The first placeholder in a tag template that slipway does not know, or "".
std::string unknown_placeholder(std::string_view tag_template);

}  // namespace components
