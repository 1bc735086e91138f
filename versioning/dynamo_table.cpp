#include "versioning/dynamo_table.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "aws/config.hpp"

namespace versioning::detail {

namespace {

constexpr const char* k_target = "DynamoDB_20120810";

// Aliases for attribute names DynamoDB reserves, added to a request that uses them.
constexpr std::pair<const char*, const char*> k_aliases[] = {
    {"#s", "status"}, {"#o", "owner"}, {"#r", "result"}};

void add_names(JsonValue& request, const std::string& expressions, Json::AllocatorType& a) {
    JsonValue names(rapidjson::kObjectType);
    for (const auto& [alias, attribute] : k_aliases) {
        if (expressions.find(alias) != std::string::npos)
            names.AddMember(JsonValue(alias, a), JsonValue(attribute, a), a);
    }
    if (names.MemberCount() > 0) request.AddMember("ExpressionAttributeNames", names, a);
}

JsonValue wrap(const char* kind, JsonValue request, Json::AllocatorType& a) {
    JsonValue out(rapidjson::kObjectType);
    out.AddMember(JsonValue(kind, a), request, a);
    return out;
}

}  // namespace

std::string random_token() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    return std::to_string(rng()) + std::to_string(rng());
}

bool is_conflict(const common::Error& e) {
    return e.message.find(": TransactionCanceledException") != std::string::npos ||
           e.message.find(": ConditionalCheckFailedException") != std::string::npos;
}

// Exponential backoff with full jitter between conflicting attempts (1 ms doubling up to
// 64 ms), so contenders spread out instead of colliding again in lockstep.
void pause_after_conflict(int attempt) {
    static thread_local std::mt19937 rng(std::random_device{}());
    const int cap = 1 << std::min(attempt, 6);
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, cap * 1000)(rng)));
}

common::Result<Json> DynamoTable::call(const aws::Operation& operation, Json& body) {
    auto text = m_client->json(aws::dynamodb_service(), k_target, operation, to_text(body));
    if (!text) return std::unexpected(text.error());
    Json out;
    out.Parse(text->c_str());
    if (out.HasParseError())
        return common::fail(common::ErrorCode::external,
                            "dynamodb " + std::string(operation.name) + ": unreadable answer");
    return out;
}

common::Result<Json> DynamoTable::get(const std::string& pk, const std::string& sk) {
    Json body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("TableName", name(a), a);
    body.AddMember("Key", Item(a).s("pk", pk).s("sk", sk).take(), a);
    body.AddMember("ConsistentRead", true, a);
    return call({"GetItem", "dynamodb:GetItem"}, body);
}

common::Result<Json> DynamoTable::query_items(const std::string& pk, bool forward,
                                              std::size_t limit) {
    Json all(rapidjson::kObjectType);
    all.AddMember("Items", JsonValue(rapidjson::kArrayType), all.GetAllocator());
    std::string after;
    for (;;) {
        const std::size_t left = limit == 0 ? 0 : limit - all["Items"].Size();
        auto page = query_page(pk, forward, after, left);
        if (!page) return std::unexpected(page.error());
        for (auto& item : (*page)["Items"].GetArray())
            all["Items"].PushBack(JsonValue(item, all.GetAllocator()), all.GetAllocator());
        const bool more =
            page->HasMember("LastEvaluatedKey") && (limit == 0 || all["Items"].Size() < limit);
        if (!more) break;
        after = get_s((*page)["LastEvaluatedKey"], "sk");
    }
    return all;
}

common::Result<Json> DynamoTable::query_page(const std::string& pk, bool forward,
                                             const std::string& after, std::size_t limit) {
    Json body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("TableName", name(a), a);
    body.AddMember("KeyConditionExpression", "pk = :pk", a);
    body.AddMember("ExpressionAttributeValues", Item(a).s(":pk", pk).take(), a);
    body.AddMember("ScanIndexForward", forward, a);
    body.AddMember("ConsistentRead", true, a);
    if (limit > 0) body.AddMember("Limit", static_cast<std::int64_t>(limit), a);
    if (!after.empty())
        body.AddMember("ExclusiveStartKey", Item(a).s("pk", pk).s("sk", after).take(), a);
    return call({"Query", "dynamodb:Query"}, body);
}

common::Result<std::vector<std::pair<std::string, std::string>>> DynamoTable::query(
    const std::string& pk, bool forward, std::size_t limit) {
    auto rows = query_items(pk, forward, limit);
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& item : (*rows)["Items"].GetArray())
        out.emplace_back(get_s(item, "sk"), get_s(item, "row"));
    return out;
}

// BatchGetItem answers in any order and may leave keys unprocessed (asked again after a
// pause); the items are put back in the order asked.
common::Result<Json> DynamoTable::batch_get(const std::vector<Key>& keys) {
    Json found(rapidjson::kArrayType);
    for (std::size_t start = 0; start < keys.size(); start += 100) {
        Json body(rapidjson::kObjectType);
        auto& a = body.GetAllocator();
        JsonValue list(rapidjson::kArrayType);
        for (std::size_t k = start; k < std::min(keys.size(), start + 100); ++k)
            list.PushBack(Item(a).s("pk", keys[k].first).s("sk", keys[k].second).take(), a);
        for (int attempt = 0; !list.Empty(); ++attempt) {
            if (attempt > 0) pause_after_conflict(attempt);
            JsonValue request(rapidjson::kObjectType);
            request.AddMember("Keys", list, a);
            request.AddMember("ConsistentRead", true, a);
            body.RemoveMember("RequestItems");
            body.AddMember("RequestItems", JsonValue(rapidjson::kObjectType), a);
            body["RequestItems"].AddMember(name(a), request, a);
            auto answer = call({"BatchGetItem", "dynamodb:BatchGetItem"}, body);
            if (!answer) return std::unexpected(answer.error());
            auto responses = answer->FindMember("Responses");
            if (responses != answer->MemberEnd() && responses->value.HasMember(m_table.c_str())) {
                for (auto& item : responses->value[m_table.c_str()].GetArray())
                    found.PushBack(JsonValue(item, found.GetAllocator()), found.GetAllocator());
            }
            list.SetArray();
            auto left = answer->FindMember("UnprocessedKeys");
            if (left != answer->MemberEnd() && left->value.HasMember(m_table.c_str())) {
                for (auto& key : left->value[m_table.c_str()]["Keys"].GetArray())
                    list.PushBack(JsonValue(key, a), a);
            }
        }
    }
    std::map<Key, const JsonValue*> by_key;
    for (const auto& item : found.GetArray())
        by_key[{get_s(item, "pk"), get_s(item, "sk")}] = &item;
    Json out(rapidjson::kObjectType);
    out.AddMember("Items", JsonValue(rapidjson::kArrayType), out.GetAllocator());
    for (const auto& key : keys) {
        if (auto it = by_key.find(key); it != by_key.end())
            out["Items"].PushBack(JsonValue(*it->second, out.GetAllocator()), out.GetAllocator());
    }
    return out;
}

common::Result<void> DynamoTable::transact(Json& tx, JsonValue& items, const std::string& token) {
    auto& a = tx.GetAllocator();
    tx.AddMember("TransactItems", items, a);
    if (!token.empty()) tx.AddMember("ClientRequestToken", JsonValue(token.c_str(), a), a);
    auto done = call(
        {"TransactWriteItems",
         "dynamodb:ConditionCheckItem dynamodb:DeleteItem dynamodb:PutItem dynamodb:UpdateItem"},
        tx);
    if (!done) return std::unexpected(done.error());
    return {};
}

JsonValue DynamoTable::put(Json::AllocatorType& a, JsonValue item, const char* condition) {
    JsonValue p(rapidjson::kObjectType);
    p.AddMember("TableName", name(a), a);
    p.AddMember("Item", item, a);
    if (condition) {
        p.AddMember("ConditionExpression", JsonValue(condition, a), a);
        add_names(p, condition, a);
    }
    return wrap("Put", std::move(p), a);
}

JsonValue DynamoTable::remove(Json::AllocatorType& a, const std::string& pk,
                              const std::string& sk) {
    JsonValue d(rapidjson::kObjectType);
    d.AddMember("TableName", name(a), a);
    d.AddMember("Key", Item(a).s("pk", pk).s("sk", sk).take(), a);
    return wrap("Delete", std::move(d), a);
}

JsonValue DynamoTable::update(Json::AllocatorType& a, const std::string& pk, const std::string& sk,
                              const std::string& expression, const char* condition,
                              JsonValue values) {
    JsonValue u(rapidjson::kObjectType);
    u.AddMember("TableName", name(a), a);
    u.AddMember("Key", Item(a).s("pk", pk).s("sk", sk).take(), a);
    u.AddMember("UpdateExpression", JsonValue(expression.c_str(), a), a);
    add_names(u, expression + " " + (condition ? condition : ""), a);
    u.AddMember("ExpressionAttributeValues", values, a);
    if (condition) u.AddMember("ConditionExpression", JsonValue(condition, a), a);
    return wrap("Update", std::move(u), a);
}

JsonValue DynamoTable::check(Json::AllocatorType& a, const std::string& pk, const std::string& sk,
                             const char* condition, JsonValue values) {
    JsonValue c(rapidjson::kObjectType);
    c.AddMember("TableName", name(a), a);
    c.AddMember("Key", Item(a).s("pk", pk).s("sk", sk).take(), a);
    c.AddMember("ConditionExpression", JsonValue(condition, a), a);
    add_names(c, condition, a);
    if (values.IsObject() && values.MemberCount() > 0)
        c.AddMember("ExpressionAttributeValues", values, a);
    return wrap("ConditionCheck", std::move(c), a);
}

JsonValue DynamoTable::bump_counter(Json::AllocatorType& a, const std::string& pk,
                                    std::int64_t build, std::int64_t row, int builds) {
    Item values(a);
    values.n(":nb", build + builds).n(":nr", row + 1);
    const char* condition = "attribute_not_exists(pk)";
    if (build > 0 || row > 0) {
        values.n(":b", build).n(":r", row);
        condition = "last_build = :b AND last_row = :r";
    }
    return update(a, pk, "C", "SET last_build = :nb, last_row = :nr", condition, values.take());
}

common::Result<std::pair<std::int64_t, std::int64_t>> DynamoTable::read_counter(
    const std::string& pk) {
    auto item = get(pk, "C");
    if (!item) return std::unexpected(item.error());
    if (!(*item).HasMember("Item")) return std::pair<std::int64_t, std::int64_t>{0, 0};
    return std::pair{get_n((*item)["Item"], "last_build"), get_n((*item)["Item"], "last_row")};
}

}  // namespace versioning::detail
