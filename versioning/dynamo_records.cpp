#include "versioning/dynamo_records.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace versioning::detail {

JsonValue build_item(Json::AllocatorType& a, const BuildRecord& b, const std::string& row) {
    Item i(a);
    i.s("pk", "B#" + b.component)
        .s("sk", row)
        .s("component", b.component)
        .n("build_number", b.build_number)
        .s("commit", b.commit)
        .s("input_hash", b.input_hash)
        .s("image_uri", b.image_uri)
        .s("status", std::string(to_string(b.status)))
        .n("started_at", b.started_at)
        .s("log_path", b.log_path)
        .s("run_id", b.run_id);
    if (b.exit_code) i.n("exit_code", *b.exit_code);
    if (b.finished_at) i.n("finished_at", *b.finished_at);
    if (b.handle.pgid > 0) i.n("pgid", b.handle.pgid).n("pgid_start", b.handle.pgid_start);
    if (!b.handle.remote_id.empty()) i.s("remote_id", b.handle.remote_id);
    if (!b.image_digest.empty()) i.s("image_digest", b.image_digest);
    return i.take();
}

BuildRecord read_build(const JsonValue& item) {
    BuildRecord b;
    b.component = get_s(item, "component");
    b.build_number = get_n(item, "build_number");
    b.commit = get_s(item, "commit");
    b.input_hash = get_s(item, "input_hash");
    b.image_uri = get_s(item, "image_uri");
    b.status = parse_build_status(get_s(item, "status")).value_or(BuildStatus::running);
    if (auto e = get_optional_n(item, "exit_code")) b.exit_code = static_cast<int>(*e);
    b.started_at = get_n(item, "started_at");
    b.finished_at = get_optional_n(item, "finished_at");
    b.log_path = get_s(item, "log_path");
    b.run_id = get_s(item, "run_id");
    b.row = std::strtoll(get_s(item, "sk").c_str(), nullptr, 10);
    b.handle = {get_n(item, "pgid"), get_n(item, "pgid_start"), get_s(item, "remote_id")};
    b.image_digest = get_s(item, "image_digest");
    return b;
}

JsonValue run_build_item(Json::AllocatorType& a, const std::string& run,
                         const std::string& component, const std::string& row) {
    return Item(a)
        .s("pk", "RB#" + run)
        .s("sk", component + "#" + row)
        .s("component", component)
        .s("row", row)
        .take();
}

JsonValue run_item(Json::AllocatorType& a, const RunRecord& r) {
    return Item(a)
        .s("pk", "R#" + r.id)
        .s("sk", "R")
        .s("id", r.id)
        .s("trigger", r.trigger)
        .s("base", r.base)
        .s("head", r.head)
        .s("env", r.env)
        .s("status", "running")
        .n("started_at", r.started_at)
        .s("host", r.host)
        .n("pid", r.pid)
        .n("pid_start", r.pid_start)
        .s("base_reason", r.base_reason)
        .s("kind", r.kind)
        .s("actor", r.actor)
        .take();
}

RunRecord read_run(const JsonValue& i) {
    RunRecord r;
    r.id = get_s(i, "id");
    r.trigger = get_s(i, "trigger");
    r.base = get_s(i, "base");
    r.head = get_s(i, "head");
    r.env = get_s(i, "env");
    r.status = parse_run_status(get_s(i, "status"));
    r.started_at = get_n(i, "started_at");
    r.finished_at = get_optional_n(i, "finished_at");
    r.host = get_s(i, "host");
    r.pid = get_n(i, "pid");
    r.pid_start = get_n(i, "pid_start");
    r.base_reason = get_s(i, "base_reason");
    r.report = get_s(i, "report");
    r.kind = i.HasMember("kind") ? get_s(i, "kind") : "run";
    r.actor = get_s(i, "actor");
    return r;
}

// Sorted by start time (run ids sort by the second only), then id.
std::string run_order(Millis started_at, const std::string& id) {
    return fmt::format("{:013d}#{}", started_at, id);
}

namespace {

JsonValue images_list(Json::AllocatorType& a, const std::vector<DeploymentImage>& images) {
    JsonValue list(rapidjson::kArrayType);
    for (const auto& i : images) {
        JsonValue m(rapidjson::kObjectType);
        m.AddMember("M",
                    Item(a)
                        .s("component", i.component)
                        .n("build_number", i.build_number)
                        .s("image_uri", i.image_uri)
                        .b("changed", i.changed)
                        .s("parameter", i.parameter)
                        .s("commit", i.commit)
                        .take(),
                    a);
        list.PushBack(m, a);
    }
    JsonValue wrap(rapidjson::kObjectType);
    wrap.AddMember("L", list, a);
    return wrap;
}

}  // namespace

DeploymentRecord read_deployment(const JsonValue& item) {
    DeploymentRecord d{get_n(item, "id"),
                       get_s(item, "env"),
                       get_s(item, "stack"),
                       get_s(item, "commit"),
                       get_s(item, "status"),
                       get_n(item, "started_at"),
                       get_optional_n(item, "finished_at"),
                       get_s(item, "change_set"),
                       get_s(item, "run_id"),
                       {}};
    d.kind = get_s(item, "kind");
    d.source = get_s(item, "source");
    d.reason = get_s(item, "reason");
    d.client_token = get_s(item, "client_token");
    d.actor = get_s(item, "actor");
    d.executed_by = item.HasMember("executed_by") ? get_s(item, "executed_by") : "slipway";
    // Items written before images carried their commit knew only the deployment's.
    const bool legacy = !item.HasMember("template_commit");
    d.template_commit = legacy ? d.commit : get_s(item, "template_commit");
    d.template_hash = get_s(item, "template_hash");
    d.parameters = parse_parameters_json(get_s(item, "parameters"));
    for (auto [field, out] :
         {std::pair{"region", &d.region}, {"account", &d.account}, {"scope", &d.scope}}) {
        if (item.HasMember(field)) *out = get_s(item, field);
    }
    d.note = get_s(item, "note");
    auto images = item.FindMember("images");
    if (images != item.MemberEnd() && images->value.HasMember("L")) {
        for (const auto& e : images->value["L"].GetArray()) {
            const JsonValue& m = e["M"];
            d.images.push_back({get_s(m, "component"), get_n(m, "build_number"),
                                get_s(m, "image_uri"), get_b(m, "changed"), get_s(m, "parameter"),
                                legacy ? d.commit : get_s(m, "commit")});
        }
    }
    return d;
}

JsonValue deployment_item(Json::AllocatorType& a, const DeploymentRecord& d, const std::string& pk,
                          const std::string& sk) {
    Item i(a);
    i.s("pk", pk)
        .s("sk", sk)
        .n("id", d.id)
        .s("env", d.env)
        .s("stack", d.stack)
        .s("commit", d.commit)
        .s("status", d.status)
        .n("started_at", d.started_at)
        .s("change_set", d.change_set)
        .s("run_id", d.run_id)
        .s("kind", d.kind)
        .s("source", d.source)
        .s("reason", d.reason)
        .s("client_token", d.client_token)
        .s("actor", d.actor)
        .s("executed_by", d.executed_by)
        .s("template_commit", d.template_commit)
        .s("template_hash", d.template_hash)
        .s("parameters", parameters_json(d.parameters))
        .s("region", d.region)
        .s("account", d.account)
        .s("scope", d.scope)
        .s("note", d.note);
    if (d.finished_at) i.n("finished_at", *d.finished_at);
    i.raw("images", images_list(a, d.images));
    return i.take();
}

JsonValue component_deployment_item(Json::AllocatorType& a, const DeploymentRecord& d,
                                    const DeploymentImage& i, const std::string& pk) {
    Item entry(a);
    entry.s("pk", pk)
        .s("sk", pad(d.id))
        .n("id", d.id)
        .s("env", d.env)
        .s("status", d.status)
        .n("build_number", i.build_number)
        .s("image_uri", i.image_uri)
        .b("changed", i.changed)
        .s("commit", i.commit)
        .s("kind", d.kind)
        .s("actor", d.actor)
        .s("run_id", d.run_id)
        .s("note", d.note)
        .n("started_at", d.started_at);
    if (d.finished_at) entry.n("finished_at", *d.finished_at);
    return entry.take();
}

ComponentDeployment read_component_deployment(const JsonValue& i) {
    return {get_n(i, "id"),         get_s(i, "env"),
            get_s(i, "status"),     get_n(i, "build_number"),
            get_s(i, "image_uri"),  get_b(i, "changed"),
            get_s(i, "commit"),     get_optional_n(i, "finished_at"),
            get_s(i, "kind"),       get_s(i, "actor"),
            get_n(i, "started_at"), get_s(i, "run_id"),
            get_s(i, "note")};
}

}  // namespace versioning::detail
