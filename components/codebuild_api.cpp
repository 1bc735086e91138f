// CodeBuild (CodeBuild_20161006) and CloudWatch Logs (Logs_20140328) speak AWS JSON 1.1:
// a POST of a JSON body with the operation in X-Amz-Target. Requests are written with
// rapidjson's Writer (so every string is escaped) and answers read with its Document;
// fields slipway does not use are skipped.
#include "components/codebuild_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace components {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

constexpr const char* k_codebuild = "CodeBuild_20161006";
constexpr const char* k_logs = "Logs_20140328";

std::string str(const Value& v, const char* name) {
    auto it = v.FindMember(name);
    return it != v.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : "";
}

CodeBuildPhase read_phase(const Value& p) {
    CodeBuildPhase phase{str(p, "phaseType"), str(p, "phaseStatus"), 0, {}};
    if (auto d = p.FindMember("durationInSeconds"); d != p.MemberEnd() && d->value.IsInt64())
        phase.seconds = d->value.GetInt64();
    if (auto c = p.FindMember("contexts"); c != p.MemberEnd() && c->value.IsArray()) {
        for (const auto& ctx : c->value.GetArray()) {
            const std::string code = str(ctx, "statusCode"), message = str(ctx, "message");
            if (!code.empty() || !message.empty())
                phase.contexts.push_back(code.empty() ? message : code + ": " + message);
        }
    }
    return phase;
}

CodeBuildBuild read_build(const Value& b) {
    CodeBuildBuild out;
    out.id = str(b, "id");
    out.arn = str(b, "arn");
    out.status = str(b, "buildStatus");
    out.current_phase = str(b, "currentPhase");
    if (auto c = b.FindMember("buildComplete"); c != b.MemberEnd() && c->value.IsBool())
        out.complete = c->value.GetBool();
    if (auto p = b.FindMember("phases"); p != b.MemberEnd() && p->value.IsArray()) {
        for (const auto& phase : p->value.GetArray()) out.phases.push_back(read_phase(phase));
    }
    if (auto l = b.FindMember("logs"); l != b.MemberEnd() && l->value.IsObject()) {
        out.log_group = str(l->value, "groupName");
        out.log_stream = str(l->value, "streamName");
    }
    auto e = b.FindMember("exportedEnvironmentVariables");
    if (e != b.MemberEnd() && e->value.IsArray()) {
        for (const auto& v : e->value.GetArray()) out.exported[str(v, "name")] = str(v, "value");
    }
    return out;
}

common::Result<rapidjson::Document> parse(const std::string& text, const std::string& doing) {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject())
        return common::fail(common::ErrorCode::external, doing + ": unreadable answer");
    return doc;
}

std::string start_body(const CodeBuildStart& s) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("projectName"), w.String(s.project.c_str());
    w.Key("sourceVersion"), w.String(s.source_version.c_str());
    w.Key("idempotencyToken"), w.String(s.idempotency_token.c_str());
    w.Key("environmentVariablesOverride");
    w.StartArray();
    for (const auto& [name, value] : s.env) {
        w.StartObject();
        w.Key("name"), w.String(name.c_str());
        w.Key("value"), w.String(value.c_str());
        w.Key("type"), w.String("PLAINTEXT");
        w.EndObject();
    }
    w.EndArray();
    if (!s.compute_type.empty()) w.Key("computeTypeOverride"), w.String(s.compute_type.c_str());
    if (!s.image.empty()) w.Key("imageOverride"), w.String(s.image.c_str());
    if (s.privileged) w.Key("privilegedModeOverride"), w.Bool(*s.privileged);
    if (s.timeout_minutes > 0) w.Key("timeoutInMinutesOverride"), w.Int(s.timeout_minutes);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

std::string build_id_of(const std::string& arn_or_id) {
    const auto at = arn_or_id.find(":build/");
    return at == std::string::npos ? arn_or_id : arn_or_id.substr(at + 7);
}

std::string region_of(const std::string& arn) {
    // arn:PARTITION:codebuild:REGION:ACCOUNT:build/...
    std::size_t start = 0;
    for (int field = 0; field < 3; ++field) {
        start = arn.find(':', start);
        if (start == std::string::npos) return "";
        ++start;
    }
    const auto end = arn.find(':', start);
    return end == std::string::npos ? "" : arn.substr(start, end - start);
}

bool is_capacity_error(const common::Error& error) {
    for (const char* sign : {"AccountLimitExceededException", "Cannot have more than",
                             "ThrottlingException", "Throttling:", "Rate exceeded"}) {
        if (error.message.find(sign) != std::string::npos) return true;
    }
    return false;
}

common::Result<std::string> CodeBuildApi::call(const aws::Service& service, const char* target,
                                               const aws::Operation& operation,
                                               const std::string& body) {
    ++m_calls[std::string(operation.name)];
    return m_client.json(service, target, operation, body);
}

common::Result<CodeBuildBuild> CodeBuildApi::start_build(const CodeBuildStart& start) {
    auto text = call(aws::codebuild_service(), k_codebuild, {"StartBuild", "codebuild:StartBuild"},
                     start_body(start));
    if (!text) return std::unexpected(text.error());
    auto doc = parse(*text, "codebuild StartBuild");
    if (!doc) return std::unexpected(doc.error());
    if (!doc->HasMember("build") || !(*doc)["build"].IsObject())
        return common::fail(common::ErrorCode::external, "codebuild StartBuild: no build");
    return read_build((*doc)["build"]);
}

common::Result<std::vector<CodeBuildBuild>> CodeBuildApi::batch_get_builds(
    const std::vector<std::string>& ids) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("ids");
    w.StartArray();
    for (const auto& id : ids) w.String(id.c_str());
    w.EndArray();
    w.EndObject();
    auto text =
        call(aws::codebuild_service(), k_codebuild, {"BatchGetBuilds", "codebuild:BatchGetBuilds"},
             {buffer.GetString(), buffer.GetSize()});
    if (!text) return std::unexpected(text.error());
    auto doc = parse(*text, "codebuild BatchGetBuilds");
    if (!doc) return std::unexpected(doc.error());
    std::vector<CodeBuildBuild> out;
    if (auto b = doc->FindMember("builds"); b != doc->MemberEnd() && b->value.IsArray()) {
        for (const auto& build : b->value.GetArray()) out.push_back(read_build(build));
    }
    return out;
}

common::Result<CodeBuildBuild> CodeBuildApi::stop_build(const std::string& id) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("id"), w.String(id.c_str());
    w.EndObject();
    auto text = call(aws::codebuild_service(), k_codebuild, {"StopBuild", "codebuild:StopBuild"},
                     {buffer.GetString(), buffer.GetSize()});
    if (!text) return std::unexpected(text.error());
    auto doc = parse(*text, "codebuild StopBuild");
    if (!doc) return std::unexpected(doc.error());
    if (!doc->HasMember("build") || !(*doc)["build"].IsObject()) return CodeBuildBuild{};
    return read_build((*doc)["build"]);
}

common::Result<LogPage> CodeBuildApi::get_log_events(const std::string& group,
                                                     const std::string& stream,
                                                     const std::string& token) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("logGroupName"), w.String(group.c_str());
    w.Key("logStreamName"), w.String(stream.c_str());
    w.Key("startFromHead"), w.Bool(true);
    if (!token.empty()) w.Key("nextToken"), w.String(token.c_str());
    w.EndObject();
    auto text = call(aws::logs_service(), k_logs, {"GetLogEvents", "logs:GetLogEvents"},
                     {buffer.GetString(), buffer.GetSize()});
    if (!text) {
        if (text.error().message.find("ResourceNotFoundException") != std::string::npos)
            return LogPage{{}, token};  // the build has not written to its stream yet
        return std::unexpected(text.error());
    }
    auto doc = parse(*text, "logs GetLogEvents");
    if (!doc) return std::unexpected(doc.error());
    LogPage page{{}, str(*doc, "nextForwardToken")};
    if (auto e = doc->FindMember("events"); e != doc->MemberEnd() && e->value.IsArray()) {
        for (const auto& event : e->value.GetArray())
            page.messages.push_back(str(event, "message"));
    }
    return page;
}

}  // namespace components
