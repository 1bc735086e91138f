#pragma once
// Image retagging in ECR after a deploy: each deployed image gets the environment's mutable
// tag (`<component>-<env>`) and, for immutable environments, a timestamped one
// (`<component>-<env>-<YYYYmmddTHHMMSS>`). ECR has no "add tag" call: the image manifest
// is read with BatchGetImage and put again under the new tag with PutImage.
#include <memory>
#include <optional>
#include <string>

#include "aws/client.hpp"
#include "common/error.hpp"

namespace deploy {

/// An ECR image URI split up: `<registry>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`.
struct EcrImage {
    std::string registry_id;  // the account
    std::string region;
    std::string repository;
    std::string tag;
};

/// nullopt for a URI that is not an ECR image with a tag (an s3:// location, a digest).
std::optional<EcrImage> parse_ecr_uri(const std::string& uri);

class ImageRegistry {
  public:
    virtual ~ImageRegistry() = default;
    /// Puts the image `image` names under `new_tag` as well (already there: fine).
    virtual common::Result<void> add_tag(const EcrImage& image, const std::string& new_tag) = 0;
    /// Whether the repository still holds the image: by `digest` when given ("sha256:..."),
    /// else by its tag. False when the image or its repository is gone; an error when ECR
    /// cannot say (access denied, unreachable).
    virtual common::Result<bool> image_exists(const EcrImage& image, const std::string& digest) = 0;
};

std::unique_ptr<ImageRegistry> ecr_registry(std::shared_ptr<aws::Client> client);

}  // namespace deploy
