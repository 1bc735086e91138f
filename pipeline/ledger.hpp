#pragma once
// What an environment runs, per component, and what a run still owes it (docs/deploy.md,
// "What counts as deployed").
//
// The invariant: a change merged into an environment's branch counts as deployed only when,
// for every component it affects, the stack runs an image built from a commit that contains
// it. So every image of a deployment carries the commit it is current for (the commit of the
// build; for an image a run kept, the run's head when nothing between the two touched the
// component), the template carries the commit it was read at (config components), and a run
// selects per component: those whose inputs differ between their own deployed commit and the
// head -- one tree diff per distinct deployed commit, usually one. A rollback or an image
// picked by hand changes only its component's commit, so the changes it does not hold stay
// selected until a run deploys them.
//
// The deployment's own `commit` is the environment's place in history: the common ancestor
// of all those commits, a commit every change up to which is deployed. The ancestry checks
// ("newest in history") compare with it.
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/affected.hpp"
#include "deploy/deployer.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/project.hpp"
#include "versioning/records.hpp"

namespace pipeline {

/// Per image and config component, the commit the environment's deployed state of it is
/// current for: an image's own commit; the template's commit for config components. Empty
/// when the commit is unknown or nothing of the component is deployed. Library components
/// have none (their changes reach their dependents).
std::map<std::string, std::string> deployed_commits(const components::Manifest& manifest,
                                                    const versioning::DeploymentRecord& current);

/// The same for an environment of several stacks and places, from `current` (each stack's
/// current deployment where it is): a component's commit is the one every stack holding it
/// runs it from, in every target of the environment; when they differ, or one of those has
/// no deployment, it is unknown ("": owed whole -- conservative, never a change claimed
/// deployed). A config component's commit is the template commit of the stacks that hold it
/// (of every stack when none does). Components no stack holds are left out (nothing deploys
/// them).
std::map<std::string, std::string> deployed_commits(
    const components::Manifest& manifest, const components::Environment& env,
    const std::vector<versioning::DeploymentRecord>& current);

/// The template commits of the current deployments of `env`'s stacks (empty ones left out):
/// a run also diffs from each, so that a stack whose template changed since is deployed.
std::vector<std::string> template_commits(const components::Environment& env,
                                          const std::vector<versioning::DeploymentRecord>& current);

/// The components that lack a change up to `p.head`, with their reasons, in the graph's
/// order: for each distinct deployed commit, the selection over the tree diff from it to
/// the head, keeping the components deployed at that commit (and the libraries it selects);
/// a component with no known commit is owed whole (reason `deployed_commit`). A deployed
/// commit that is not in this repository fails in a shallow clone (fetch full history), else
/// is replaced by `env_base` with a warning (ErrorCode::input when there is none) and
/// `fell_back` says so. The diffs from `path_commits` add only their paths (`changed`: which
/// stacks' templates changed), no component.
common::Result<components::Selection> owed_selection(
    const Project& p, const std::map<std::string, std::string>& commits,
    const std::string& env_name, const std::string& env_base, Observer& o,
    std::string* fell_back = nullptr, const std::vector<std::string>& path_commits = {});

/// The environment's place in history once `plan` is deployed: the common ancestor of every
/// image's commit and the template's; empty when one is unknown or git cannot tell (then
/// nothing is dropped as older than it).
std::string history_position(const diff::Repository* repo, const deploy::DeployPlan& plan);

/// Newest in history: shipping `p.head` to an environment whose place in history is
/// `deployed->commit` must not go back. A head that is an ancestor of it fails with
/// ErrorCode::input naming both commits (is_older_head) unless `allow_older` (then a
/// warning); a head that is not a descendant of it (a force-push) is said and allowed.
/// `o` null: nothing is said.
common::Result<void> check_newest(const Project& p, const std::string& env,
                                  const std::optional<versioning::DeploymentRecord>& deployed,
                                  bool allow_older, Observer* o);

/// Whether `e` is check_newest's refusal.
bool is_older_head(const common::Error& e);

/// Whether `head` is strictly older than `deployed` in history (an ancestor of it, not
/// equal); false when either is unknown here.
bool older_in_history(const diff::Repository* repo, const std::string& head,
                      const std::string& deployed);

/// Which components each commit's own change affects -- its tree diff against its first
/// parent (a root commit: every file it has), selected as a run selects -- remembered per
/// commit. For the comparison of two deployments.
class CommitComponents {
  public:
    CommitComponents(const diff::Repository& repo, const components::Manifest& manifest,
                     const components::ComponentGraph& graph)
        : m_repo(repo), m_selector(manifest, graph) {}

    /// The names, in the graph's order. Errors: input (an unknown commit), external (git).
    common::Result<std::vector<std::string>> of(const std::string& commit);

  private:
    const diff::Repository& m_repo;
    components::Selector m_selector;
    std::map<std::string, std::vector<std::string>> m_known;
};

}  // namespace pipeline
