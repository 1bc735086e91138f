#pragma once
// `slipway init`'s discovery: from the files of a repository (and their text, read through
// a function), the components a starter manifest should have, the template parameter each
// image component feeds, and one environment per well-known branch. Every decision carries
// its reason, so the command can say what it found and why.
//
// Components, one per folder (several findings in one folder make one component):
//   - a folder with a `Dockerfile`, or a SAM image function's `Metadata: DockerContext`
//     -> kind image, built with `docker build` and pushed to $SLIPWAY_IMAGE_URI;
//   - a folder or file the template packages (`CodeUri`, `Code`, ...) -> kind config (a
//     change triggers a deploy, which packages it);
//   - an npm/yarn/pnpm workspace, a Python package or a Go module (packages.hpp) -> kind
//     library, unless one of the above; `depends_on` comes from their dependencies;
//   - the template itself -> kind config.
// Names are the folder's last segment, or its whole path when two folders share that segment,
// sanitised to [A-Za-z0-9][A-Za-z0-9._-]{0,127}. Dependency edges that would close a cycle
// are dropped (in name order) and reported.
//
// Parameters: a SAM image function's `ImageUri: !Ref P` gives P to its context's component.
// Otherwise a parameter goes to the image component whose name, folder or package name
// equals the parameter's name once both are normalised: lower case, letters and digits only,
// a suffix ImageUri/ImageUrl/Image/Uri/RepositoryUri dropped, and a role word (Lambda,
// Function, Service, Task, Job, Container, App) allowed on either side. Only parameters that
// an Image/ImageUri property refers to, or whose name ends in one of those suffixes, are
// candidates. An image component left without one gets `<Name>ImageUri`, marked as guessed.
//
// Several templates: every candidate (below) that deploys on its own becomes a stack of each
// environment -- not test fixtures or examples, not a CI/CD pipeline's template (CodePipeline,
// CodeBuild, an OIDC provider, and no code of its own), not a nested stack's template (another
// template's TemplateURL or a SAM application's Location), not a copy of another (the same
// resources: a `sam package` output, a stale copy; the one with the most code in the repository
// stays). With two or more such templates (and no --template), each gets a stack: its key
// (the folder for template.yaml-like names, else the file's stem; the whole path where two
// agree) names the stack `<project>-<key>-<env>` and its template's config component
// `<key>-template` ("" and `<project>-<env>`, `template` for a root template.yaml). A
// component belongs to the template that builds it (a SAM function's DockerContext), packages
// it (CodeUri, Code: packaged by several, it is in no stack and so deploys them all), or
// declares the parameter its name matches; else to the deepest template whose folder holds it,
// else to the one building the most code (with room under CloudFormation's 200 parameters).
// Which stack reads another's outputs is not guessed: a parameter without a Default that
// another template outputs by the same name is a to-do naming `{stack, output}`.
//
// Environments: dev, test, staging and prod (from a `prod` branch, else `main`, else
// `master`), each when such a branch exists locally or as origin/<branch>; stack
// `<project>-<env>`; a stage parameter's value where the environment's name gives it.
//
// Not components: folders of examples, tests, fixtures and scaffolding templates (unless the
// deploy template builds or packages them). A Dockerfile that expects the repository root
// as its context (a compose file says so, `turbo prune`, a COPY of a root path) is built with
// `docker build -f FOLDER/Dockerfile .`. Code folders the template would zip without their
// dependencies are warnings (deploy/code_build.hpp).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adopt/packages.hpp"
#include "adopt/template_scan.hpp"
#include "common/error.hpp"
#include "components/manifest.hpp"

namespace adopt {

struct DiscoverInput {
    std::vector<std::string> files;  // repository-relative, sorted (git's view of the work tree)
    std::vector<std::string> refs;   // branch names, local and remote-tracking ("origin/dev")
    std::string template_path;       // repository-relative; "" to look for one
    std::string project;             // a name for the project (the repository folder's)
    std::string region;              // "" when unknown
    std::string origin_url;          // the `origin` remote's URL, "" when none
};

struct FoundComponent {
    std::string name;
    components::ComponentKind kind = components::ComponentKind::library;
    std::string folder;  // repository-relative folder ("" the root), or the file
    bool is_file = false;
    std::vector<std::string> paths;       // gitignore patterns
    std::vector<std::string> depends_on;  // component names, sorted
    std::string parameter;                // image components
    bool parameter_guessed = false;       // no template parameter matched
    std::string build;                    // image components
    std::vector<std::string> reasons;     // why it exists, where its parameter came from
};

struct FoundEnvironment {
    std::string name;
    std::string branch;
    std::string stack;                              // the one-stack form's
    std::map<std::string, std::string> parameters;  // values init could tell (Stage: test)
    // Several templates: each stack's name and the values only that stack takes (`parameters`
    // then holds those every stack declaring them agrees on), in Discovery::stacks' order.
    std::vector<std::string> stacks;
    std::vector<std::map<std::string, std::string>> stack_parameters;
};

/// A stack proposed for every environment when the repository has several deployable
/// templates.
struct FoundStack {
    std::string key;  // names it: "<project>-<key>-<env>" ("": "<project>-<env>")
    TemplateFacts facts;
    std::string template_component;       // the config component of its template file
    std::vector<std::string> components;  // the image and config components it deploys, by name
    std::vector<TemplateParameter> unmatched_parameters;  // its parameters no component took
    /// Parameters without a Default another stack's template outputs: name -> that stack's
    /// index (a `{stack, output}` to wire by hand, never written as a value).
    std::map<std::string, std::size_t> outputs_elsewhere;
};

struct Discovery {
    std::string project;  // sanitised
    std::string region;
    std::optional<TemplateFacts> template_facts;
    std::vector<FoundComponent> components;      // sorted by name
    std::vector<FoundEnvironment> environments;  // dev, test, staging, prod
    std::vector<std::string> ignore;             // "**/*.md" when there are Markdown files
    std::vector<TemplateParameter> unmatched_parameters;
    std::vector<FoundStack> stacks;  // several deployable templates: one stack each, by path
    std::vector<std::string> other_templates;  // templates found besides those used
    std::string commit_url;                    // from origin: GitHub, GitLab, Bitbucket, CodeCommit
    std::vector<std::string> notes;            // things seen but not used, and why
    std::vector<std::string> warnings;         // what would not deploy as written, and what to do
};

/// Inspects the repository. Fails with ErrorCode::input when the given template cannot be
/// read or parsed, or when nothing at all can become a component.
common::Result<Discovery> discover(const DiscoverInput& input, const ReadFile& read);

/// `text` made a valid component name: other characters become '-', leading ones that are
/// not letters or digits are dropped, at most 128 characters; "component" when nothing is left.
std::string sanitize_name(std::string_view text);

/// A name reduced for matching: lower-case letters and digits, without a trailing
/// ImageUri/ImageUrl/Image/Uri/RepositoryUri ("Api-ImageUri" -> "api").
std::string parameter_stem(std::string_view name);

/// Whether parameter `parameter` (its stem) and the component key `key` (normalised the
/// same way) name the same thing, allowing a role word on either side.
bool stems_match(const std::string& parameter, const std::string& key);

/// A CloudFormation stack name from the project: letters, digits and '-', starting with a
/// letter.
std::string stack_name(std::string_view project, std::string_view env);

/// The same with a stack's key between them ("shop", "network", "prod" -> "shop-network-prod";
/// an empty key gives stack_name(project, env)); the key and project are shortened so that
/// "-<env>" stays within the 128 characters.
std::string stack_name(std::string_view project, std::string_view key, std::string_view env);

/// The key of the template at `path` (see above, before collisions): "apps/api/template.yaml"
/// -> "api", "infra/network.yml" -> "network", "template.yaml" -> "".
std::string template_key(const std::string& path);

/// The environments the branches call for (see above).
std::vector<FoundEnvironment> environments_for(const std::vector<std::string>& refs,
                                               const std::string& project);

/// The web page of a commit (`{commit}` for its id) for an `origin` URL of GitHub, GitLab,
/// Bitbucket or CodeCommit (https, ssh, scp-like or codecommit:: forms); "" otherwise.
std::string commit_url_for(const std::string& origin_url);

/// Values for `env` of the template parameters no component took (`unmatched`) that have no
/// default, where the environment tells them: one of the parameter's AllowedValues is the
/// environment's (or its branch's) name, or a stage-like parameter (Stage, Environment,
/// Env, StageName, EnvironmentName) without AllowedValues.
std::map<std::string, std::string> stage_values(const std::vector<TemplateParameter>& unmatched,
                                                const FoundEnvironment& env);

}  // namespace adopt
