#include "support/fake_cloud.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <utility>

namespace support {
namespace {

std::string timestamp(int n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "2026-11-22T10:%02d:%02d.000Z", (n / 60) % 60, n % 60);
    return buf;
}

}  // namespace

void FakeCloudFormation::add_event(Stack& s, const std::string& logical, const std::string& status,
                                   const std::string& token, const std::string& reason) {
    const int n = ++m_next_id;
    s.events.insert(s.events.begin(), deploy::StackEvent{"ev-" + std::to_string(n), timestamp(n),
                                                         logical, "AWS::X", status, reason, token});
}

common::Result<std::optional<deploy::StackInfo>> FakeCloudFormation::describe_stack(
    const std::string& stack) {
    calls.push_back("DescribeStacks");
    auto it = stacks.find(stack);
    if (it == stacks.end()) return std::optional<deploy::StackInfo>{};
    return std::optional<deploy::StackInfo>{it->second.info};
}

common::Result<std::string> FakeCloudFormation::create_change_set(
    const deploy::ChangeSetRequest& r) {
    calls.push_back("CreateChangeSet");
    const std::string id = "arn:cs:" + r.name;
    change_sets[id] = {r, "AVAILABLE"};
    return id;
}

common::Result<deploy::ChangeSetInfo> FakeCloudFormation::describe_change_set(
    const std::string& stack, const std::string& id) {
    calls.push_back("DescribeChangeSet");
    auto cs = change_sets.find(id);
    if (cs == change_sets.end())
        return common::fail(common::ErrorCode::external,
                            "cloudformation DescribeChangeSet: ChangeSetNotFound: " + id);
    deploy::ChangeSetInfo info{id, "CREATE_COMPLETE", "", cs->second.execution_status, {}};
    auto st = stacks.find(stack);
    if (st != stacks.end() && st->second.info.parameters == cs->second.request.parameters) {
        info.status = "FAILED";
        info.status_reason = "The submitted information didn't contain changes.";
        return info;
    }
    info.changes.push_back({"Modify", "Api", "api", "AWS::Lambda::Function", "False"});
    return info;
}

common::Result<void> FakeCloudFormation::execute_change_set(const std::string& stack,
                                                            const std::string& id,
                                                            const std::string& token) {
    calls.push_back("ExecuteChangeSet");
    auto& cs = change_sets.at(id);
    cs.execution_status = "EXECUTE_COMPLETE";
    const bool create = !stacks.contains(stack);
    Stack& s = stacks[stack];
    s.info.name = stack;
    const std::string op = create ? "CREATE" : "UPDATE";
    add_event(s, stack, op + "_IN_PROGRESS", token);
    if (std::exchange(fail_next_update, false)) {
        add_event(s, "Api", op + "_FAILED", token, "Image not found");
        add_event(s, stack, create ? "ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_COMPLETE", token);
        s.info.status = create ? "ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_COMPLETE";
        if (create) s.info.parameters.clear();
        return {};
    }
    add_event(s, "Api", op + "_COMPLETE", token);
    add_event(s, stack, op + "_COMPLETE", token);
    s.info.status = op + "_COMPLETE";
    s.info.parameters = cs.request.parameters;
    s.info.change_set_id = id;
    s.info.last_updated = s.events.front().timestamp;
    s.template_body = cs.request.template_body;
    return {};
}

common::Result<std::string> FakeCloudFormation::get_template(const std::string& stack) {
    calls.push_back("GetTemplate");
    auto it = stacks.find(stack);
    if (it == stacks.end())
        return common::fail(common::ErrorCode::external,
                            "cloudformation GetTemplate: ValidationError: Stack with id " + stack +
                                " does not exist");
    return it->second.template_body;
}

common::Result<void> FakeCloudFormation::delete_change_set(const std::string&,
                                                           const std::string& id) {
    calls.push_back("DeleteChangeSet");
    change_sets.erase(id);
    return {};
}

common::Result<void> FakeCloudFormation::delete_stack(const std::string& stack,
                                                      const std::string&) {
    calls.push_back("DeleteStack");
    stacks.erase(stack);
    return {};
}

common::Result<std::vector<deploy::StackEvent>> FakeCloudFormation::stack_events(
    const std::string& stack, const std::string& stop_at) {
    calls.push_back("DescribeStackEvents");
    if (event_failures > 0) {
        --event_failures;
        common::Error e{common::ErrorCode::external,
                        "cloudformation DescribeStackEvents: Throttling: Rate exceeded", true};
        return std::unexpected(e);
    }
    std::vector<deploy::StackEvent> out;
    auto it = stacks.find(stack);
    if (it == stacks.end())
        return common::fail(common::ErrorCode::external,
                            "cloudformation DescribeStackEvents: "
                            "ValidationError: Stack with id " +
                                stack + " does not exist");
    for (const auto& e : it->second.events) {
        if (!stop_at.empty() && e.id == stop_at) break;
        out.push_back(e);
    }
    return out;
}

FakeRunner::FakeRunner() {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0)
        interrupt_read = fds[0], m_interrupt_write = fds[1];
}

FakeRunner::~FakeRunner() {
    ::close(interrupt_read);
    ::close(m_interrupt_write);
}

common::Result<void> FakeRunner::start(std::size_t job, const components::Command& command,
                                       components::RunnerEvents& events) {
    const std::string component(command.env.find("SLIPWAY_COMPONENT").value_or(""));
    started.push_back(component);
    m_queue.emplace_back(job, component);
    events.started(job, {});
    if (std::exchange(interrupt, false)) (void)!::write(m_interrupt_write, "x", 1);
    return {};
}

components::Deadline FakeRunner::watch(std::vector<components::Watched>&) {
    if (m_queue.empty()) return std::nullopt;
    return std::chrono::steady_clock::now();
}

common::Result<void> FakeRunner::collect(std::span<const components::Watched>,
                                         components::RunnerEvents& events) {
    if (m_queue.empty()) return {};
    auto [job, component] = m_queue.front();
    m_queue.erase(m_queue.begin());
    components::Finished f{job, components::ExitKind::exited, 0};
    if (m_cancelled) f.kind = components::ExitKind::cancelled;
    if (auto it = exit_codes.find(component); it != exit_codes.end()) f.code = it->second;
    events.finished(f);
    return {};
}

void FakeRunner::cancel_all() {
    m_cancelled = true;
}

}  // namespace support
