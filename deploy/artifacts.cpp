#include "deploy/artifacts.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/config.hpp"
#include "aws/crypto.hpp"
#include "aws/sigv4.hpp"
#include "deploy/code_build.hpp"
#include "deploy/zip.hpp"

namespace deploy {
namespace {

namespace fs = std::filesystem;
using common::ErrorCode;

class S3Artifacts final : public ArtifactStore {
  public:
    explicit S3Artifacts(std::shared_ptr<aws::Client> client) : m_client(std::move(client)) {}

    common::Result<bool> exists(const std::string& bucket, const std::string& key) override {
        auto r = m_client->send(aws::s3_service(), {"HeadObject", "s3:GetObject s3:ListBucket"},
                                {"HEAD", path(bucket, key), {}, {}, ""});
        if (r) return true;
        if (r.error().message.find("HTTP 404") != std::string::npos ||
            r.error().message.find("NoSuchKey") != std::string::npos)
            return false;
        return std::unexpected(r.error());
    }

    common::Result<void> put(const std::string& bucket, const std::string& key,
                             const std::string& body) override {
        auto r = m_client->send(aws::s3_service(), {"PutObject", "s3:PutObject"},
                                {"PUT", path(bucket, key), {}, {}, body});
        if (!r) return std::unexpected(r.error());
        return {};
    }

    [[nodiscard]] std::string url(const std::string& bucket,
                                  const std::string& key) const override {
        return m_client->endpoint(aws::s3_service()) + path(bucket, key);
    }

  private:
    static std::string path(const std::string& bucket, const std::string& key) {
        return "/" + aws::uri_encode(bucket, false) + "/" + aws::uri_encode(key, true);
    }

    std::shared_ptr<aws::Client> m_client;
};

common::Result<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return common::fail(ErrorCode::input, "cannot read " + p.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Why the code folder `p` cannot be zipped as it is (code_build.hpp), or nullopt.
std::optional<std::string> unbuilt(const fs::path& p) {
    std::vector<std::string> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(p, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        // Files, and folders as "name/", two levels down ("vendor/bundle/" is the deepest
        // sign of a built folder); node_modules' contents are not listed.
        const std::string rel = it->path().lexically_relative(p).generic_string();
        if (it->is_directory(ec)) {
            files.push_back(rel + "/");
            if (it.depth() >= 1 || rel == "node_modules") it.disable_recursion_pending();
        } else {
            files.push_back(rel);
        }
    }
    auto why = unbuilt_code(files, [&](const std::string& f) -> std::optional<std::string> {
        auto text = read_file(p / f);
        return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
    });
    if (!why) return std::nullopt;
    return unbuilt_code_message("it", *why);
}

// The bytes to upload for one reference, and the key's extension.
common::Result<std::pair<std::string, std::string>> artifact_bytes(const ArtifactRef& ref,
                                                                   const fs::path& p) {
    const bool code = is_code_property(ref.property);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        if (!code) return common::fail(ErrorCode::input, "is a folder, not a file");
        if (auto why = unbuilt(p)) return common::fail(ErrorCode::input, *why);
        auto zip = zip_directory(p.string());
        if (!zip) return std::unexpected(zip.error());
        return std::pair{std::move(*zip), std::string(".zip")};
    }
    const std::string ext = p.extension().string();
    if (code && ext != ".zip" && ext != ".jar") {
        auto zip = zip_file(p.string());
        if (!zip) return std::unexpected(zip.error());
        return std::pair{std::move(*zip), std::string(".zip")};
    }
    auto bytes = read_file(p);
    if (!bytes) return std::unexpected(bytes.error());
    return std::pair{std::move(*bytes), ext};
}

common::Result<Upload> upload(ArtifactStore& store, const std::string& bucket, Upload u,
                              const std::string& bytes) {
    auto exists = store.exists(bucket, u.key);
    if (!exists) return std::unexpected(exists.error().with_context("uploading " + u.path));
    if (!*exists) {
        if (auto ok = store.put(bucket, u.key, bytes); !ok)
            return std::unexpected(ok.error().with_context("uploading " + u.path));
        u.uploaded = true;
    }
    return u;
}

}  // namespace

std::unique_ptr<ArtifactStore> s3_artifacts(std::shared_ptr<aws::Client> client) {
    return std::make_unique<S3Artifacts>(std::move(client));
}

common::Result<PackagedTemplate> package_template(const Template& t,
                                                  const std::string& template_dir,
                                                  const std::string& bucket,
                                                  const std::string& prefix, ArtifactStore& store) {
    PackagedTemplate out;
    std::map<std::string, S3Location> locations;
    for (const auto& ref : artifact_refs(t)) {
        const std::string what = ref.resource + "." + ref.property;
        const std::string at = t.file + ": resource " + ref.resource + " " + ref.property;
        const fs::path p = fs::path(template_dir) / ref.path;
        std::error_code ec;
        if (!fs::exists(p, ec))
            return common::fail(ErrorCode::input,
                                at + ": local path " + ref.path + " does not exist");
        if (bucket.empty())
            return common::fail(ErrorCode::input,
                                at + ": local path " + ref.path +
                                    " must be uploaded: set the environment's artifact_bucket");
        auto bytes = artifact_bytes(ref, p);
        if (!bytes) return std::unexpected(bytes.error().with_context(at + ": " + ref.path));
        const std::string key = prefix + aws::sha256_hex(bytes->first) + bytes->second;
        auto done = upload(store, bucket, {what, ref.path, key, false}, bytes->first);
        if (!done) return std::unexpected(done.error());
        out.uploads.push_back(*done);
        locations[what] = {bucket, key, store.url(bucket, key)};
    }
    out.body = locations.empty() ? t.text : rewrite_as_json(t, locations);
    if (out.body.size() > k_max_template_body) {
        if (bucket.empty())
            return common::fail(ErrorCode::input,
                                t.file + ": template is " + std::to_string(out.body.size()) +
                                    " bytes, over CloudFormation's 51,200 for a TemplateBody: set "
                                    "the environment's artifact_bucket so it goes through S3");
        const std::string key = prefix + aws::sha256_hex(out.body) + ".template";
        auto done = upload(store, bucket, {"template", t.file, key, false}, out.body);
        if (!done) return std::unexpected(done.error());
        out.uploads.push_back(*done);
        out.url = store.url(bucket, key);
    }
    return out;
}

}  // namespace deploy
