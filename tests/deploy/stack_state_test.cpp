#include "deploy/stack_state.hpp"

#include <gtest/gtest.h>

#include "deploy/events.hpp"

namespace {

using deploy::StackAction;

StackAction action(const char* status, bool replace = false) {
    return deploy::decide_stack_action(status ? std::optional<std::string>(status) : std::nullopt,
                                       replace)
        .action;
}

TEST(StackState, DecidesWhatADeployDoes) {
    EXPECT_EQ(action(nullptr), StackAction::create);
    EXPECT_EQ(action("DELETE_COMPLETE"), StackAction::create);
    for (const char* s : {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
                          "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"})
        EXPECT_EQ(action(s), StackAction::update) << s;
    for (const char* s : {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS",
                          "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS",
                          "UPDATE_ROLLBACK_IN_PROGRESS"})
        EXPECT_EQ(action(s), StackAction::wait) << s;
    for (const char* s : {"REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"}) {
        EXPECT_EQ(action(s), StackAction::refuse) << s;
        EXPECT_EQ(action(s, true), StackAction::replace) << s;
    }
    EXPECT_EQ(action("UPDATE_ROLLBACK_FAILED"), StackAction::refuse);
    EXPECT_EQ(action("UPDATE_ROLLBACK_FAILED", true), StackAction::refuse);  // never deleted
    EXPECT_EQ(action("DELETE_FAILED"), StackAction::refuse);
    auto failed = deploy::decide_stack_action("UPDATE_ROLLBACK_FAILED", false);
    EXPECT_NE(failed.explanation.find("continue-update-rollback"), std::string::npos);
    auto review = deploy::decide_stack_action("REVIEW_IN_PROGRESS", false);
    EXPECT_NE(review.explanation.find("--replace-failed-stack"), std::string::npos);
}

TEST(StackState, TerminalAndSuccessStatuses) {
    EXPECT_TRUE(deploy::is_deploy_success("CREATE_COMPLETE"));
    EXPECT_TRUE(deploy::is_deploy_success("UPDATE_COMPLETE"));
    EXPECT_FALSE(deploy::is_deploy_success("UPDATE_ROLLBACK_COMPLETE"));
    EXPECT_TRUE(deploy::is_terminal_stack_status("UPDATE_ROLLBACK_COMPLETE"));
    EXPECT_TRUE(deploy::is_terminal_stack_status("UPDATE_ROLLBACK_FAILED"));
    EXPECT_FALSE(deploy::is_terminal_stack_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"));
}

TEST(StackState, BothFormsOfNoChanges) {
    EXPECT_TRUE(deploy::is_empty_change_set(
        "FAILED",
        "The submitted information didn't contain changes. Submit different information to "
        "create a change set."));
    EXPECT_TRUE(deploy::is_empty_change_set("FAILED", "No updates are to be performed."));
    EXPECT_FALSE(deploy::is_empty_change_set("FAILED", "Template error: unresolved resource"));
    EXPECT_FALSE(deploy::is_empty_change_set("CREATE_COMPLETE", ""));
    EXPECT_TRUE(deploy::is_no_updates_error(
        {common::ErrorCode::external,
         "cloudformation CreateChangeSet: ValidationError: No updates are to be performed."}));
    EXPECT_FALSE(deploy::is_no_updates_error(
        {common::ErrorCode::external, "cloudformation CreateChangeSet: ValidationError: bad"}));
}

deploy::StackEvent ev(std::string id, std::string logical, std::string status,
                      std::string token = "") {
    return {std::move(id),   "2026-11-22T05:00:00Z", std::move(logical), "T", std::move(status), "",
            std::move(token)};
}

TEST(Events, WithoutTokensOursStartAtTheStacksInProgressEvent) {
    deploy::EventCursor cursor;
    // Newest first: an earlier update's events lie below ours.
    std::vector<deploy::StackEvent> page = {
        ev("5", "Api", "UPDATE_IN_PROGRESS"), ev("4", "s", "UPDATE_IN_PROGRESS"),
        ev("3", "s", "UPDATE_COMPLETE"), ev("2", "Api", "UPDATE_COMPLETE"),
        ev("1", "s", "UPDATE_IN_PROGRESS")};
    auto first = deploy::take_new_events(page, "s", "tok", cursor);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].id, "4");  // oldest first
    EXPECT_EQ(first[1].id, "5");
    EXPECT_FALSE(deploy::final_status(first, "s"));
    // The next page holds only what is newer than the last seen.
    auto second = deploy::take_new_events(
        {ev("7", "s", "UPDATE_COMPLETE"), ev("6", "Api", "UPDATE_COMPLETE")}, "s", "tok", cursor);
    ASSERT_EQ(second.size(), 2u);
    EXPECT_EQ(deploy::final_status(second, "s"), "UPDATE_COMPLETE");
}

TEST(Events, WithTokensOnlyOursCount) {
    deploy::EventCursor cursor;
    std::vector<deploy::StackEvent> page = {ev("3", "s", "UPDATE_IN_PROGRESS", "mine"),
                                            ev("2", "s", "UPDATE_COMPLETE", "theirs"),
                                            ev("1", "s", "UPDATE_IN_PROGRESS", "theirs")};
    auto mine = deploy::take_new_events(page, "s", "mine", cursor);
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].id, "3");
    EXPECT_FALSE(deploy::final_status(mine, "s"));  // "theirs" completing is not our end
}

TEST(Events, NothingOfOursYetReturnsNothing) {
    deploy::EventCursor cursor;
    auto none =
        deploy::take_new_events({ev("2", "s", "UPDATE_COMPLETE", "old")}, "s", "mine", cursor);
    EXPECT_TRUE(none.empty());
    EXPECT_FALSE(cursor.started);
}

TEST(Events, AFailedFirstCreateEndsWhenTheStackIsDeleted) {
    std::vector<deploy::StackEvent> events = {ev("1", "s", "CREATE_IN_PROGRESS"),
                                              ev("2", "Fn", "CREATE_FAILED"),
                                              ev("3", "s", "CREATE_FAILED")};
    EXPECT_FALSE(deploy::final_status(events, "s"));
    events.push_back(ev("4", "s", "DELETE_COMPLETE"));
    EXPECT_EQ(deploy::final_status(events, "s"), "DELETE_COMPLETE");
}

TEST(Events, PollingStartsSmallAndGrowsToTenSeconds) {
    EXPECT_EQ(deploy::poll_delay(0, 0.999).count(), 199);
    EXPECT_EQ(deploy::poll_delay(0, 0.0).count(), 100);
    EXPECT_GT(deploy::poll_delay(3, 0.5), deploy::poll_delay(2, 0.5));
    EXPECT_LE(deploy::poll_delay(40, 0.999).count(), 10000);
    EXPECT_GE(deploy::poll_delay(40, 0.0).count(), 5000);
}

}  // namespace
