// See sqs.hpp.
#include "service/sqs.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "aws/config.hpp"
#include "aws/credentials.hpp"
#include "common/json.hpp"

namespace service {

std::string region_of_queue(const std::string& url) {
    const auto host = url.find("://sqs.");
    if (host == std::string::npos) return "";
    const auto start = host + 7;
    const auto end = url.find(".amazonaws.com", start);
    return end == std::string::npos ? "" : url.substr(start, end - start);
}

SqsPoller::SqsPoller(std::string queue_url, std::function<bool(const QueueMessage&)> take)
    : m_url(std::move(queue_url)), m_take(std::move(take)) {
    auto options = aws::client_options_from(aws::process_env(), region_of_queue(m_url));
    if (options.region.empty()) options.region = region_of_queue(m_url);
    m_client = std::make_unique<aws::Client>(options);
}

SqsPoller::~SqsPoller() {
    stop();
}

void SqsPoller::start() {
    m_thread = std::thread([this] { loop(); });
}

void SqsPoller::stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
}

common::Result<std::vector<QueueMessage>> SqsPoller::receive() {
    common::JsonOut body;
    body.begin_object().field("MaxNumberOfMessages", 10).field("QueueUrl", m_url);
    body.field("WaitTimeSeconds", 5).end_object();
    auto text = m_client->json(aws::sqs_service(), "AmazonSQS",
                               {"ReceiveMessage", "sqs:ReceiveMessage"}, body.str());
    if (!text) return std::unexpected(text.error());
    rapidjson::Document d;
    d.Parse(text->c_str());
    std::vector<QueueMessage> out;
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("Messages")) return out;
    for (const auto& m : d["Messages"].GetArray()) {
        if (!m.HasMember("Body") || !m.HasMember("ReceiptHandle")) continue;
        out.push_back({m.HasMember("MessageId") ? m["MessageId"].GetString() : "",
                       m["ReceiptHandle"].GetString(), m["Body"].GetString()});
    }
    return out;
}

common::Result<void> SqsPoller::remove(const QueueMessage& m) {
    common::JsonOut body;
    body.begin_object().field("QueueUrl", m_url).field("ReceiptHandle", m.receipt).end_object();
    auto done = m_client->json(aws::sqs_service(), "AmazonSQS",
                               {"DeleteMessage", "sqs:DeleteMessage"}, body.str());
    if (!done) return std::unexpected(done.error());
    return {};
}

void SqsPoller::loop() {
    int failures = 0;
    while (!m_stop) {
        auto messages = receive();
        if (!messages) {
            spdlog::warn("serve: polling {}: {}", m_url, messages.error().message);
            std::this_thread::sleep_for(
                std::chrono::seconds(std::min(30, 1 << std::min(failures++, 5))));
            continue;
        }
        failures = 0;
        for (const auto& m : *messages) {
            if (!m_take(m)) continue;  // not stored: it comes back after its visibility timeout
            if (auto ok = remove(m); !ok)
                spdlog::warn("serve: deleting message {}: {}", m.id, ok.error().message);
        }
    }
}

}  // namespace service
