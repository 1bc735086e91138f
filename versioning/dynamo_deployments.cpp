// Deployments on DynamoDB. record_deployment takes the next id from the counter C#deployments
// in one transaction with the deployment's DEP#<env>, DEPS and (a success) CUR items and,
// while pending, its PENDING entry; the per-component DC# entries follow. Ending a pending
// deployment changes DEP# and DEPS on the condition that they are still pending, removes the
// PENDING entry and makes a success the environment's CUR unless CUR already holds a later
// deployment -- all in one transaction, retried when CUR moved. CUR holds one item per
// (environment, stack, region, account), sort key "<env>#<stack>#<region>#<account>"; an item
// keyed by the environment alone was written before environments had several stacks, and
// counts as its stack's until a later deployment of that stack replaces it.
#include "versioning/dynamo_deployments.hpp"

#include <algorithm>
#include <map>

#include "versioning/dynamo_records.hpp"

namespace versioning::detail {

namespace {

std::string current_key(const DeploymentRecord& d) {
    return d.env + "#" + stack_key(d);
}

}  // namespace

common::Result<std::int64_t> DynamoDeployments::record_deployment(const DeploymentRecord& d) {
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto counter = m_table.read_counter("C#deployments");
        if (!counter) return std::unexpected(counter.error());
        DeploymentRecord record = d;
        record.id = counter->first + 1;
        const std::string id = pad(record.id);
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        items.PushBack(m_table.bump_counter(a, "C#deployments", counter->first, counter->second, 1),
                       a);
        items.PushBack(m_table.put(a, deployment_item(a, record, "DEP#" + d.env, id),
                                   "attribute_not_exists(pk)"),
                       a);
        items.PushBack(m_table.put(a, deployment_item(a, record, "DEPS", id)), a);
        if (d.status == deployment_status::succeeded)
            items.PushBack(m_table.put(a, deployment_item(a, record, "CUR", current_key(d))), a);
        if (d.status == deployment_status::pending) {
            items.PushBack(
                m_table.put(
                    a,
                    Item(a).s("pk", "PENDING").s("sk", d.env + "#" + id).n("id", record.id).take()),
                a);
        }
        auto ok = m_table.transact(tx, items);
        if (!ok && is_conflict(ok.error())) {
            pause_after_conflict(attempt);
            continue;
        }
        if (!ok) return std::unexpected(ok.error());
        if (auto done = write_component_index(record); !done) return std::unexpected(done.error());
        return record.id;
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not record a deployment (too much contention)");
}

// The per-component index: idempotent puts, written after the deployment itself (and again
// when a pending deployment ends).
common::Result<void> DynamoDeployments::write_component_index(const DeploymentRecord& d) {
    for (std::size_t start = 0; start < d.images.size(); start += 50) {
        Json more(rapidjson::kObjectType);
        auto& b = more.GetAllocator();
        JsonValue puts(rapidjson::kArrayType);
        for (std::size_t k = start; k < std::min(d.images.size(), start + 50); ++k) {
            const auto& i = d.images[k];
            for (const std::string& pk : {"DC#" + i.component, "DC#" + i.component + "#" + d.env}) {
                puts.PushBack(m_table.put(b, detail::component_deployment_item(b, d, i, pk)), b);
            }
        }
        if (auto done = m_table.transact(more, puts); !done) return done;
    }
    return {};
}

// Ends a pending deployment: its DEP# and DEPS items change on the condition that they are
// still pending, its PENDING entry goes, and a success becomes the environment's CUR unless
// CUR already holds a later deployment -- all in one transaction, retried when CUR moved.
common::Result<bool> DynamoDeployments::finish_deployment(std::int64_t id,
                                                          const std::string& status, Millis at,
                                                          const std::string& reason) {
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto found = deployment(id);
        if (!found) return std::unexpected(found.error());
        if (!*found || (*found)->status != deployment_status::pending) return false;
        DeploymentRecord d = std::move(**found);
        d.status = status;
        d.finished_at = at;
        d.reason = reason;
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        for (const std::string& pk : {"DEP#" + d.env, std::string("DEPS")}) {
            items.PushBack(
                m_table.update(
                    a, pk, pad(id), "SET #s = :s, finished_at = :f, reason = :r", "#s = :p",
                    Item(a).s(":s", status).n(":f", at).s(":r", reason).s(":p", "pending").take()),
                a);
        }
        items.PushBack(m_table.remove(a, "PENDING", d.env + "#" + pad(id)), a);
        if (status == deployment_status::succeeded) {
            auto current = m_table.get("CUR", current_key(d));
            if (!current) return std::unexpected(current.error());
            const bool exists = current->HasMember("Item");
            const std::int64_t current_id = exists ? get_n((*current)["Item"], "id") : 0;
            if (current_id < id) {
                JsonValue p = m_table.put(a, deployment_item(a, d, "CUR", current_key(d)),
                                          exists ? "id = :c" : "attribute_not_exists(pk)");
                if (exists)
                    p["Put"].AddMember("ExpressionAttributeValues",
                                       Item(a).n(":c", current_id).take(), a);
                items.PushBack(p, a);
            }
        }
        auto ok = m_table.transact(tx, items);
        if (!ok && is_conflict(ok.error())) {
            pause_after_conflict(attempt);
            continue;
        }
        if (!ok) return std::unexpected(ok.error());
        if (auto done = write_component_index(d); !done) return std::unexpected(done.error());
        return true;
    }
    return common::fail(
        common::ErrorCode::external,
        "dynamodb: could not finish deployment #" + std::to_string(id) + " (too much contention)");
}

common::Result<std::vector<DeploymentRecord>> DynamoDeployments::pending_deployments(
    const std::string& env) {
    auto rows = m_table.query_items("PENDING", true, 0);
    if (!rows) return std::unexpected(rows.error());
    std::vector<DeploymentRecord> out;
    for (const auto& entry : (*rows)["Items"].GetArray()) {
        if (!env.empty() && !get_s(entry, "sk").starts_with(env + "#")) continue;
        auto d = deployment(get_n(entry, "id"));
        if (!d) return std::unexpected(d.error());
        if (*d && (*d)->status == deployment_status::pending) out.push_back(std::move(**d));
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
    return out;
}

common::Result<std::vector<ComponentDeployment>> DynamoDeployments::deployments_of(
    const std::string& component, const std::string& env, std::size_t limit) {
    auto rows = m_table.query_items(env.empty() ? "DC#" + component : "DC#" + component + "#" + env,
                                    false, limit);
    if (!rows) return std::unexpected(rows.error());
    std::vector<ComponentDeployment> out;
    for (const auto& i : (*rows)["Items"].GetArray())
        out.push_back(detail::read_component_deployment(i));
    return out;
}

common::Result<std::vector<DeploymentRecord>> DynamoDeployments::current_deployments(
    const std::string& env) {
    auto rows = m_table.query_items("CUR", true, 0);
    if (!rows) return std::unexpected(rows.error());
    std::map<std::pair<std::string, std::string>, DeploymentRecord> latest;  // newest per key
    for (const auto& i : (*rows)["Items"].GetArray()) {
        DeploymentRecord d = read_deployment(i);
        if (!env.empty() && d.env != env) continue;
        auto& slot = latest[{d.env, stack_key(d)}];
        if (d.id > slot.id) slot = std::move(d);
    }
    std::vector<DeploymentRecord> out;
    for (auto& [key, d] : latest) out.push_back(std::move(d));
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
        return std::tie(x.env, x.stack, x.account, x.region) <
               std::tie(y.env, y.stack, y.account, y.region);
    });
    return out;
}

common::Result<std::optional<DeploymentRecord>> DynamoDeployments::deployment(std::int64_t id) {
    auto item = m_table.get("DEPS", pad(id));
    if (!item) return std::unexpected(item.error());
    if (!item->HasMember("Item")) return std::optional<DeploymentRecord>{};
    return std::optional<DeploymentRecord>{read_deployment((*item)["Item"])};
}

common::Result<std::vector<DeploymentRecord>> DynamoDeployments::deployments_in(
    const std::string& env, std::size_t limit) {
    auto rows = m_table.query_items("DEP#" + env, false, limit);
    if (!rows) return std::unexpected(rows.error());
    std::vector<DeploymentRecord> out;
    for (const auto& i : (*rows)["Items"].GetArray()) out.push_back(read_deployment(i));
    return out;
}

}  // namespace versioning::detail
