// Store URLs: sqlite:PATH (relative to the repository root) and dynamodb://TABLE[?region=R].
#include <filesystem>

#include "aws/credentials.hpp"
#include "versioning/dynamo_store.hpp"
#include "versioning/sqlite_store.hpp"

namespace versioning {

common::Result<std::vector<std::pair<std::string, Millis>>> VersionStore::latest_durations() {
    auto latest = latest_builds();
    if (!latest) return std::unexpected(latest.error());
    std::vector<std::pair<std::string, Millis>> out;
    for (const auto& b : *latest) {
        if (b.status == BuildStatus::succeeded && b.finished_at && *b.finished_at > b.started_at)
            out.emplace_back(b.component, *b.finished_at - b.started_at);
    }
    return out;
}

namespace {

common::Result<std::unique_ptr<VersionStore>> open_sqlite(const std::string& url,
                                                          const std::string& base_dir) {
    std::filesystem::path path = url.substr(7);
    if (path.empty())
        return common::fail(common::ErrorCode::input, "store URL '" + url + "' names no file");
    if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
    auto store = SqliteVersionStore::open(path.string());
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<VersionStore>(std::move(*store));
}

struct DynamoUrl {
    std::string table;
    aws::ClientOptions options;
};

common::Result<DynamoUrl> parse_dynamodb(const std::string& url) {
    std::string table = url.substr(11), region;
    if (auto q = table.find('?'); q != std::string::npos) {
        const std::string params = table.substr(q + 1);
        table = table.substr(0, q);
        if (params.starts_with("region=")) region = params.substr(7, params.find('&') - 7);
    }
    if (table.empty())
        return common::fail(common::ErrorCode::input, "store URL '" + url + "' names no table");
    auto options = aws::client_options_from(aws::process_env(), region);
    if (!region.empty()) options.region = region;
    if (options.region.empty()) {
        return common::fail(common::ErrorCode::input,
                            "store URL '" + url +
                                "': no AWS region (set AWS_REGION or add ?region=... to the URL)");
    }
    return DynamoUrl{table, options};
}

common::Result<std::unique_ptr<VersionStore>> open_dynamodb(const std::string& url) {
    auto parsed = parse_dynamodb(url);
    if (!parsed) return std::unexpected(parsed.error());
    return open_dynamo_store(std::make_unique<aws::Client>(parsed->options), parsed->table);
}

}  // namespace

common::Result<std::unique_ptr<VersionStore>> open_store(const std::string& url,
                                                         const std::string& base_dir) {
    if (url.starts_with("sqlite:")) return open_sqlite(url, base_dir);
    if (url.starts_with("dynamodb://")) return open_dynamodb(url);
    const auto scheme = url.substr(0, url.find(':'));
    return common::fail(common::ErrorCode::input, "store URL '" + url + "': unknown kind '" +
                                                      scheme +
                                                      "' (use sqlite:PATH or dynamodb://TABLE)");
}

common::Result<std::unique_ptr<VersionStore>> open_store_read_only(const std::string& url,
                                                                   const std::string& base_dir) {
    if (!url.starts_with("sqlite:")) return open_store(url, base_dir);
    std::filesystem::path path = url.substr(7);
    if (path.empty())
        return common::fail(common::ErrorCode::input, "store URL '" + url + "' names no file");
    if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::unique_ptr<VersionStore>();
    auto store = SqliteVersionStore::open_read_only(path.string());
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<VersionStore>(std::move(*store));
}

common::Result<std::string> init_store(const std::string& url, const std::string& base_dir) {
    if (url.starts_with("dynamodb://")) {
        auto parsed = parse_dynamodb(url);
        if (!parsed) return std::unexpected(parsed.error());
        aws::Client client(parsed->options);
        if (auto ok = init_dynamo_table(client, parsed->table); !ok)
            return std::unexpected(ok.error());
        return "DynamoDB table '" + parsed->table + "' in " + parsed->options.region + " is ready";
    }
    auto store = open_store(url, base_dir);
    if (!store) return std::unexpected(store.error());
    return "store " + url + " is ready";
}

}  // namespace versioning
