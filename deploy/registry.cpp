#include "deploy/registry.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <regex>

#include "aws/config.hpp"

namespace deploy {
namespace {

constexpr const char* k_target = "AmazonEC2ContainerRegistry_V20150921";

class EcrRegistry final : public ImageRegistry {
  public:
    explicit EcrRegistry(std::shared_ptr<aws::Client> client) : m_client(std::move(client)) {}

    common::Result<void> add_tag(const EcrImage& image, const std::string& new_tag) override {
        rapidjson::Document get(rapidjson::kObjectType);
        auto& a = get.GetAllocator();
        get.AddMember("registryId", rapidjson::Value(image.registry_id.c_str(), a), a);
        get.AddMember("repositoryName", rapidjson::Value(image.repository.c_str(), a), a);
        rapidjson::Value ids(rapidjson::kArrayType);
        rapidjson::Value id(rapidjson::kObjectType);
        id.AddMember("imageTag", rapidjson::Value(image.tag.c_str(), a), a);
        ids.PushBack(id, a);
        get.AddMember("imageIds", ids, a);
        auto found = call({"BatchGetImage", "ecr:BatchGetImage"}, get);
        if (!found) return std::unexpected(found.error());
        const auto& images = (*found)["images"];
        if (!images.IsArray() || images.Empty()) {
            return common::fail(
                common::ErrorCode::external,
                "ecr BatchGetImage: no image " + image.repository + ":" + image.tag);
        }
        const auto& img = images[0];
        rapidjson::Document put(rapidjson::kObjectType);
        auto& b = put.GetAllocator();
        put.AddMember("registryId", rapidjson::Value(image.registry_id.c_str(), b), b);
        put.AddMember("repositoryName", rapidjson::Value(image.repository.c_str(), b), b);
        put.AddMember("imageManifest", rapidjson::Value(img["imageManifest"], b), b);
        if (img.HasMember("imageManifestMediaType"))
            put.AddMember("imageManifestMediaType",
                          rapidjson::Value(img["imageManifestMediaType"], b), b);
        put.AddMember("imageTag", rapidjson::Value(new_tag.c_str(), b), b);
        auto done = call({"PutImage", "ecr:PutImage"}, put);
        if (!done && done.error().message.find("ImageAlreadyExistsException") == std::string::npos)
            return std::unexpected(done.error());
        return {};
    }

    common::Result<bool> image_exists(const EcrImage& image, const std::string& digest) override {
        rapidjson::Document req(rapidjson::kObjectType);
        auto& a = req.GetAllocator();
        req.AddMember("registryId", rapidjson::Value(image.registry_id.c_str(), a), a);
        req.AddMember("repositoryName", rapidjson::Value(image.repository.c_str(), a), a);
        rapidjson::Value ids(rapidjson::kArrayType);
        rapidjson::Value id(rapidjson::kObjectType);
        if (!digest.empty())
            id.AddMember("imageDigest", rapidjson::Value(digest.c_str(), a), a);
        else
            id.AddMember("imageTag", rapidjson::Value(image.tag.c_str(), a), a);
        ids.PushBack(id, a);
        req.AddMember("imageIds", ids, a);
        auto found = call({"DescribeImages", "ecr:DescribeImages"}, req);
        if (!found) {
            const std::string& m = found.error().message;
            if (m.find("ImageNotFoundException") != std::string::npos ||
                m.find("RepositoryNotFoundException") != std::string::npos)
                return false;
            return std::unexpected(found.error());
        }
        const auto& details = (*found)["imageDetails"];
        return details.IsArray() && !details.Empty();
    }

  private:
    common::Result<rapidjson::Document> call(const aws::Operation& operation,
                                             const rapidjson::Document& body) {
        rapidjson::StringBuffer text;
        rapidjson::Writer<rapidjson::StringBuffer> w(text);
        body.Accept(w);
        aws::Request r{
            "POST",
            "/",
            {},
            {{"Content-Type", "application/x-amz-json-1.1"},
             {"X-Amz-Target", std::string(k_target) + "." + std::string(operation.name)}},
            text.GetString()};
        auto response = m_client->send(aws::ecr_service(), operation, std::move(r));
        if (!response) return std::unexpected(response.error());
        rapidjson::Document doc;
        doc.Parse(response->body.c_str());
        if (doc.HasParseError() || !doc.IsObject())
            return common::fail(common::ErrorCode::external,
                                "ecr " + std::string(operation.name) + ": unreadable answer");
        return doc;
    }

    std::shared_ptr<aws::Client> m_client;
};

}  // namespace

std::optional<EcrImage> parse_ecr_uri(const std::string& uri) {
    static const std::regex k_uri(
        R"(^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$)");
    std::smatch m;
    if (!std::regex_match(uri, m, k_uri)) return std::nullopt;
    return EcrImage{m[1], m[2], m[3], m[4]};
}

std::unique_ptr<ImageRegistry> ecr_registry(std::shared_ptr<aws::Client> client) {
    return std::make_unique<EcrRegistry>(std::move(client));
}

}  // namespace deploy
