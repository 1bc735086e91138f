#pragma once
// Internal to the versioning library: the requests the DynamoDB store makes of its one table
// (string keys `pk` and `sk`), and the optimistic-concurrency helpers every conditional
// write loop shares (conflict test, jittered pause, request tokens).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aws/client.hpp"
#include "common/error.hpp"
#include "versioning/dynamo_json.hpp"

namespace versioning::detail {

/// How often a conditional write loop starts over before giving up (ErrorCode::external).
inline constexpr int k_max_conflicts = 5000;

/// A random token (a reservation's, a transaction's) to recognise one's own write.
std::string random_token();
/// True when `e` is a failed condition or a cancelled transaction (retry after rereading).
bool is_conflict(const common::Error& e);
/// Sleeps between conflicting attempts: full jitter, 1 ms doubling up to 64 ms.
void pause_after_conflict(int attempt);

/// (pk, sk) of one item.
using Key = std::pair<std::string, std::string>;

class DynamoTable {
  public:
    DynamoTable(std::unique_ptr<aws::Client> client, std::string table)
        : m_client(std::move(client)), m_table(std::move(table)) {}

    /// One DynamoDB operation with `body`; its answer parsed.
    common::Result<Json> call(const aws::Operation& operation, Json& body);
    /// The table's name as a JSON string.
    JsonValue name(Json::AllocatorType& a) const { return JsonValue(m_table.c_str(), a); }
    /// GetItem (consistent): the answer has "Item" when the item exists.
    common::Result<Json> get(const std::string& pk, const std::string& sk);
    /// One partition, all pages (limit 0) or the first `limit` items, in "Items".
    common::Result<Json> query_items(const std::string& pk, bool forward, std::size_t limit);
    /// One Query: at most `limit` items of `pk` after the sort key `after` (empty: from the
    /// start), in "Items".
    common::Result<Json> query_page(const std::string& pk, bool forward, const std::string& after,
                                    std::size_t limit);
    /// (sk, "row" attribute) pairs of a partition.
    common::Result<std::vector<std::pair<std::string, std::string>>> query(const std::string& pk,
                                                                           bool forward,
                                                                           std::size_t limit);
    /// The items with these keys (consistent BatchGetItem, 100 keys a call, unprocessed keys
    /// asked again), in "Items" in the order of `keys`; missing items are left out.
    common::Result<Json> batch_get(const std::vector<Key>& keys);
    /// TransactWriteItems of `items` (moved into `tx`), with `token` as ClientRequestToken.
    common::Result<void> transact(Json& tx, JsonValue& items, const std::string& token = "");

    /// Transaction entries. Expressions may name `#s` (status), `#o` (owner), `#r` (result).
    JsonValue put(Json::AllocatorType& a, JsonValue item, const char* condition = nullptr);
    JsonValue remove(Json::AllocatorType& a, const std::string& pk, const std::string& sk);
    JsonValue update(Json::AllocatorType& a, const std::string& pk, const std::string& sk,
                     const std::string& expression, const char* condition, JsonValue values);
    JsonValue check(Json::AllocatorType& a, const std::string& pk, const std::string& sk,
                    const char* condition, JsonValue values);

    /// The counter `pk`/C moves from what was read (last_build, last_row), or is created.
    JsonValue bump_counter(Json::AllocatorType& a, const std::string& pk, std::int64_t build,
                           std::int64_t row, int builds);
    /// (last_build, last_row) of the counter `pk`/C; (0, 0) when there is none.
    common::Result<std::pair<std::int64_t, std::int64_t>> read_counter(const std::string& pk);

    /// Attempts the last request took (more than 1: it may have landed before failing).
    [[nodiscard]] int last_attempts() const { return m_client->last_attempts(); }

  private:
    std::unique_ptr<aws::Client> m_client;
    std::string m_table;
};

}  // namespace versioning::detail
