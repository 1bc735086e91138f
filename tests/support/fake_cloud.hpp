#pragma once
// Fakes for the pipeline's library tests, where no moto, aws CLI or binary runs:
// - FakeCloudFormation keeps stacks in memory and behaves as CloudFormation does for what
//   a deploy asks (change sets against the stack's parameters, "no changes", execution with
//   events stamped with the client token, the stack's last change set and template), and can
//   be told to fail an update or to lose the answers to DescribeStackEvents;
// - FakeRunner "runs" a build by recording it and ending it at once with the exit code
//   given for its component (0 unless told otherwise); an interrupt is a byte on a real
//   pipe, as Ctrl-C is.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "components/build_runner.hpp"
#include "deploy/cloudformation.hpp"

namespace support {

class FakeCloudFormation final : public deploy::CloudFormationApi {
  public:
    struct Stack {
        deploy::StackInfo info;
        std::vector<deploy::StackEvent> events;  // newest first
        std::string template_body{};             // as the last executed change set sent it
    };
    struct ChangeSet {
        deploy::ChangeSetRequest request;
        std::string execution_status = "AVAILABLE";
    };

    std::map<std::string, Stack> stacks;
    std::map<std::string, ChangeSet> change_sets;  // by id
    bool fail_next_update = false;                 // the next execution rolls back
    int event_failures = 0;          // this many DescribeStackEvents calls fail (transient)
    std::vector<std::string> calls;  // every call, by action name

    common::Result<std::optional<deploy::StackInfo>> describe_stack(
        const std::string& stack) override;
    common::Result<std::string> create_change_set(const deploy::ChangeSetRequest& r) override;
    common::Result<deploy::ChangeSetInfo> describe_change_set(const std::string& stack,
                                                              const std::string& id) override;
    common::Result<void> execute_change_set(const std::string& stack, const std::string& id,
                                            const std::string& token) override;
    common::Result<void> delete_change_set(const std::string& stack,
                                           const std::string& id) override;
    common::Result<void> delete_stack(const std::string& stack, const std::string& token) override;
    common::Result<std::vector<deploy::StackEvent>> stack_events(
        const std::string& stack, const std::string& stop_at) override;
    common::Result<std::string> get_template(const std::string& stack) override;

  private:
    int m_next_id = 0;
    void add_event(Stack& s, const std::string& logical, const std::string& status,
                   const std::string& token, const std::string& reason = "");
};

class FakeRunner final : public components::BuildRunner {
  public:
    FakeRunner();
    ~FakeRunner() override;
    FakeRunner(const FakeRunner&) = delete;
    FakeRunner& operator=(const FakeRunner&) = delete;

    std::map<std::string, int> exit_codes;  // by component (SLIPWAY_COMPONENT)
    std::vector<std::string> started;       // components, in start order
    bool interrupt = false;                 // the next start interrupts the run
    int interrupt_read = -1;                // the run's interrupt descriptor

    common::Result<void> start(std::size_t job, const components::Command& command,
                               components::RunnerEvents& events) override;
    void cancel_all() override;
    [[nodiscard]] std::size_t running() const override { return m_queue.size(); }
    components::Deadline watch(std::vector<components::Watched>& fds) override;
    common::Result<void> collect(std::span<const components::Watched> fds,
                                 components::RunnerEvents& events) override;

  private:
    std::vector<std::pair<std::size_t, std::string>> m_queue;  // job, component
    bool m_cancelled = false;
    int m_interrupt_write = -1;
};

}  // namespace support
