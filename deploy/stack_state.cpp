#include "deploy/stack_state.hpp"

namespace deploy {

StackDecision decide_stack_action(const std::optional<std::string>& status, bool replace_failed) {
    if (!status || *status == "DELETE_COMPLETE") return {StackAction::create, ""};
    const std::string& s = *status;
    if (s == "REVIEW_IN_PROGRESS" || s == "ROLLBACK_COMPLETE" || s == "ROLLBACK_FAILED" ||
        s == "CREATE_FAILED") {
        const std::string why =
            s == "REVIEW_IN_PROGRESS"
                ? "stack exists but was never created (an earlier CREATE change set was not "
                  "executed)"
                : "stack's first creation failed (" + s + ") and it can only be deleted";
        if (replace_failed)
            return {StackAction::replace, why + "; deleting it and creating it again"};
        return {StackAction::refuse,
                why + ": run again with --replace-failed-stack to delete and recreate it"};
    }
    if (s.ends_with("_IN_PROGRESS")) {
        return {StackAction::wait, "stack is busy (" + s + "): another operation is running"};
    }
    if (s == "UPDATE_ROLLBACK_FAILED") {
        return {StackAction::refuse,
                "stack is UPDATE_ROLLBACK_FAILED: fix the resources that failed to roll back, "
                "then run `aws cloudformation continue-update-rollback` (skipping them if "
                "needed) and deploy again"};
    }
    if (s.ends_with("_FAILED")) {
        return {StackAction::refuse, "stack is " + s +
                                         ": resolve it in the CloudFormation console, then deploy "
                                         "again"};
    }
    if (s.ends_with("_COMPLETE")) return {StackAction::update, ""};
    return {StackAction::refuse, "stack has an unknown status " + s};
}

bool is_terminal_stack_status(std::string_view status) {
    if (status.ends_with("_IN_PROGRESS")) return false;
    return status.ends_with("_COMPLETE") || status.ends_with("_FAILED");
}

bool is_deploy_success(std::string_view status) {
    return status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE";
}

bool is_failure_status(std::string_view status) {
    return status.ends_with("_FAILED");
}

bool is_empty_change_set(std::string_view status, std::string_view reason) {
    if (status != "FAILED") return false;
    return reason.find("didn't contain changes") != std::string_view::npos ||
           reason.find("No updates are to be performed") != std::string_view::npos ||
           reason.find("does not contain changes") != std::string_view::npos;
}

bool is_no_updates_error(const common::Error& e) {
    return e.message.find("ValidationError") != std::string::npos &&
           e.message.find("No updates are to be performed") != std::string::npos;
}

bool is_missing_stack_error(const common::Error& e) {
    return e.message.find("ValidationError") != std::string::npos &&
           e.message.find("does not exist") != std::string::npos;
}

}  // namespace deploy
