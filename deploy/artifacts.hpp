#pragma once
// Packaging, as `aws cloudformation package` does it: local artifact paths in the template
// are uploaded to the environment's artifact bucket under a content-hash key (skipped when
// the key exists) and the template points at them; a template over CloudFormation's
// 51,200-byte TemplateBody limit goes through the bucket as a TemplateURL.
#include <memory>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "common/error.hpp"
#include "deploy/template.hpp"

namespace deploy {

/// Where artifacts are kept (S3; tests may fake it).
class ArtifactStore {
  public:
    virtual ~ArtifactStore() = default;
    virtual common::Result<bool> exists(const std::string& bucket, const std::string& key) = 0;
    virtual common::Result<void> put(const std::string& bucket, const std::string& key,
                                     const std::string& body) = 0;
    /// The https URL CloudFormation reads the object from.
    [[nodiscard]] virtual std::string url(const std::string& bucket,
                                          const std::string& key) const = 0;
};

/// S3 through `client` (path-style addressing, so endpoint overrides work).
std::unique_ptr<ArtifactStore> s3_artifacts(std::shared_ptr<aws::Client> client);

constexpr std::size_t k_max_template_body = 51200;

struct Upload {
    std::string what;  // "Resource.Property" or "template"
    std::string path;  // the local path, or the template file
    std::string key;
    bool uploaded = false;  // false: the key existed already
};

struct PackagedTemplate {
    std::string body;  // the template as sent: TemplateBody, or the object at `url`
    std::string url;   // TemplateURL (when set, it goes instead of the body)
    std::vector<Upload> uploads;
};

/// Packages `t` for deployment. `template_dir` resolves relative artifact paths; `bucket`
/// may be empty only when nothing needs uploading (else ErrorCode::input naming the
/// resource); `prefix` starts every key ("slipway/<project>/"). A missing local path fails
/// with ErrorCode::input naming the resource and property.
common::Result<PackagedTemplate> package_template(const Template& t,
                                                  const std::string& template_dir,
                                                  const std::string& bucket,
                                                  const std::string& prefix, ArtifactStore& store);

}  // namespace deploy
