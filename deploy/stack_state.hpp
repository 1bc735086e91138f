#pragma once
// Pure decisions over CloudFormation states: what a deploy must do given the stack's status,
// which statuses are terminal, which mean success, and the two ways AWS says "nothing to
// change". No I/O; unit-tested over the status table of the CloudFormation API reference.
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace deploy {

enum class StackAction {
    create,   // no stack: CREATE change set
    update,   // a stable stack: UPDATE change set
    replace,  // an empty or failed first create: delete, then CREATE (when allowed)
    wait,     // an operation is in progress: busy, or wait for it
    refuse,   // a failed state a person must resolve
};

struct StackDecision {
    StackAction action = StackAction::create;
    std::string explanation;  // for people; empty for create/update
};

/// What to do with a stack in `status` (nullopt: the stack does not exist).
/// `replace_failed` is --replace-failed-stack.
StackDecision decide_stack_action(const std::optional<std::string>& status, bool replace_failed);

/// True for statuses no operation will move on from by itself (`*_COMPLETE`, `*_FAILED`,
/// except the *_CLEANUP_IN_PROGRESS ones, which are still in progress).
bool is_terminal_stack_status(std::string_view status);

/// True for CREATE_COMPLETE and UPDATE_COMPLETE: only those record a deployment.
bool is_deploy_success(std::string_view status);

/// True for a resource or stack status that reports a failure (`*_FAILED`).
bool is_failure_status(std::string_view status);

/// A FAILED change set whose reason says it holds no changes (both wordings AWS uses).
bool is_empty_change_set(std::string_view status, std::string_view reason);

/// The ValidationError "No updates are to be performed." (UpdateStack, and moto's
/// CreateChangeSet).
bool is_no_updates_error(const common::Error& e);

/// A DescribeStacks ValidationError saying the stack does not exist.
bool is_missing_stack_error(const common::Error& e);

}  // namespace deploy
