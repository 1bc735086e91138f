// See dynamo_requests.hpp. Recording takes the next id from the counter C#requests in one
// transaction with the request's two items (REQ on the condition that the id is new). A
// change (a decision, the end) rewrites both items in one transaction on the condition that
// REQ's `rev` is still what was read, so two processes deciding at once both land, one after
// the other, and a request is ended once.
#include "versioning/dynamo_requests.hpp"

namespace versioning::detail {
namespace {

JsonValue request_item(Json::AllocatorType& a, const PromotionRequest& r, const std::string& pk,
                       std::int64_t rev) {
    return Item(a)
        .s("pk", pk)
        .s("sk", pad(r.id))
        .n("id", r.id)
        .s("env", r.env)
        .s("status", r.status)
        .n("rev", rev)
        .s("doc", request_document(r))
        .take();
}

common::Result<PromotionRequest> read_request(const JsonValue& item) {
    auto r = parse_request_document(get_s(item, "doc"));
    if (!r)
        return common::fail(common::ErrorCode::external,
                            "dynamodb: promotion request " + get_s(item, "sk") + " is unreadable");
    return *r;
}

}  // namespace

common::Result<std::int64_t> DynamoRequests::record_request(const PromotionRequest& r) {
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto counter = m_table.read_counter("C#requests");
        if (!counter) return std::unexpected(counter.error());
        PromotionRequest stored = r;
        stored.id = counter->first + 1;
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        items.PushBack(m_table.bump_counter(a, "C#requests", counter->first, counter->second, 1),
                       a);
        items.PushBack(
            m_table.put(a, request_item(a, stored, "REQ", 1), "attribute_not_exists(pk)"), a);
        items.PushBack(m_table.put(a, request_item(a, stored, "REQ#" + r.env, 1)), a);
        auto ok = m_table.transact(tx, items);
        if (!ok && is_conflict(ok.error())) {
            pause_after_conflict(attempt);
            continue;
        }
        if (!ok) return std::unexpected(ok.error());
        return stored.id;
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not record a promotion request (too much contention)");
}

common::Result<std::optional<PromotionRequest>> DynamoRequests::request(std::int64_t id) {
    auto item = m_table.get("REQ", pad(id));
    if (!item) return std::unexpected(item.error());
    if (!item->HasMember("Item")) return std::optional<PromotionRequest>{};
    auto r = read_request((*item)["Item"]);
    if (!r) return std::unexpected(r.error());
    return std::optional<PromotionRequest>{std::move(*r)};
}

common::Result<std::vector<PromotionRequest>> DynamoRequests::requests(const std::string& env,
                                                                       std::size_t limit) {
    std::vector<PromotionRequest> out;
    if (limit == 0) return out;
    auto items = m_table.query_items(env.empty() ? "REQ" : "REQ#" + env, false, limit);
    if (!items) return std::unexpected(items.error());
    for (const auto& i : (*items)["Items"].GetArray()) {
        auto r = read_request(i);
        if (!r) return std::unexpected(r.error());
        out.push_back(std::move(*r));
    }
    return out;
}

common::Result<bool> DynamoRequests::change_open(
    std::int64_t id, const std::function<void(PromotionRequest&)>& change) {
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto item = m_table.get("REQ", pad(id));
        if (!item) return std::unexpected(item.error());
        if (!item->HasMember("Item")) return false;
        const std::int64_t rev = get_n((*item)["Item"], "rev");
        auto r = read_request((*item)["Item"]);
        if (!r) return std::unexpected(r.error());
        if (r->status != request_status::open) return false;
        change(*r);
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        JsonValue put = m_table.put(a, request_item(a, *r, "REQ", rev + 1), "rev = :r");
        put["Put"].AddMember("ExpressionAttributeValues", Item(a).n(":r", rev).take(), a);
        items.PushBack(put, a);
        items.PushBack(m_table.put(a, request_item(a, *r, "REQ#" + r->env, rev + 1)), a);
        auto ok = m_table.transact(tx, items);
        if (!ok && is_conflict(ok.error())) {
            pause_after_conflict(attempt);
            continue;
        }
        if (!ok) return std::unexpected(ok.error());
        return true;
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not change promotion request #" + std::to_string(id) +
                            " (too much contention)");
}

common::Result<void> DynamoRequests::record_drift(const DriftRecord& d) {
    Json tx(rapidjson::kObjectType);
    auto& a = tx.GetAllocator();
    JsonValue items(rapidjson::kArrayType);
    items.PushBack(m_table.put(a, Item(a)
                                      .s("pk", "DRIFT")
                                      .s("sk", d.env)
                                      .n("checked_at", d.checked_at)
                                      .s("doc", drift_document(d))
                                      .take()),
                   a);
    return m_table.transact(tx, items);
}

common::Result<std::vector<DriftRecord>> DynamoRequests::drifts() {
    auto items = m_table.query_items("DRIFT", true, 0);
    if (!items) return std::unexpected(items.error());
    std::vector<DriftRecord> out;
    for (const auto& i : (*items)["Items"].GetArray()) {
        if (auto d = parse_drift_document(get_s(i, "doc"))) out.push_back(std::move(*d));
    }
    return out;
}

}  // namespace versioning::detail
