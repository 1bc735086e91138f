#pragma once
// SQS as an event source: CodeCommit's "Repository State Change" events reach an SQS queue
// through an EventBridge rule; the poller long-polls the queue (ReceiveMessage, up to 10 at
// a time, waiting 5 s), hands each message to the service, and deletes it only once the
// service has stored it. A message the service could not store stays in the queue and
// comes back after its visibility timeout.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "aws/client.hpp"
#include "common/error.hpp"

namespace service {

struct QueueMessage {
    std::string id;
    std::string receipt;
    std::string body;
};

class SqsPoller {
  public:
    /// `take` stores a message and says whether it may be deleted.
    SqsPoller(std::string queue_url, std::function<bool(const QueueMessage&)> take);
    ~SqsPoller();
    SqsPoller(const SqsPoller&) = delete;
    SqsPoller& operator=(const SqsPoller&) = delete;

    void start();
    /// Stops after the poll in flight (at most its 5 s wait).
    void stop();

    /// One ReceiveMessage call (tests): the messages, or the AWS error.
    common::Result<std::vector<QueueMessage>> receive();
    common::Result<void> remove(const QueueMessage& m);

  private:
    void loop();

    std::string m_url;
    std::function<bool(const QueueMessage&)> m_take;
    std::unique_ptr<aws::Client> m_client;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

/// The region of a queue URL (https://sqs.REGION.amazonaws.com/...), or "".
std::string region_of_queue(const std::string& url);

}  // namespace service
