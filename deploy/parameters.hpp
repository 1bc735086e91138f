#pragma once
// Parameter computation for one environment: the pure core of a deploy. Precedence for an
// image component's parameter, highest first:
//   1. the image given on the command line or built in this run ("new"),
//   2. the image currently deployed in the environment ("deployed"),
//   3. the component's latest succeeded build ("latest build"),
// and otherwise an error naming the component and how to fix it. The environment's static
// parameters come first and may not name a component's parameter. Library and config
// components have no parameter.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "deploy/template.hpp"

namespace deploy {

/// An image known for a component: its build number (0 when unknown), URI, and the commit it
/// is current for (empty when unknown; see versioning::DeploymentImage).
struct KnownImage {
    std::int64_t build_number = 0;
    std::string image_uri;
    std::string commit{};
};

enum class ImageSource { new_image, deployed, latest_build };

std::string_view to_string(ImageSource source);

/// The image one component's parameter receives.
struct ImageChoice {
    std::string component;
    std::string parameter;
    std::int64_t build_number = 0;
    std::string image_uri;
    ImageSource source = ImageSource::deployed;
    bool changed = false;  // differs from the image deployed in the environment (or none was)
    std::string commit{};  // the commit the image is current for (empty: unknown)
};

struct ParameterInputs {
    std::map<std::string, KnownImage> new_images;    // by component
    std::map<std::string, KnownImage> deployed;      // in the environment, by component
    std::map<std::string, KnownImage> latest_built;  // latest succeeded build, by component
};

struct ParameterSet {
    std::map<std::string, std::string> values;  // every parameter passed to CloudFormation
    std::vector<ImageChoice> images;            // one per image component, by component name
    /// Parameters read from other stacks' outputs when this stack deploys (by name); until
    /// then they have no value.
    std::map<std::string, components::StackParameter> outputs{};
};

/// The parameters of `stack` of `env`: its own, and one per image component it deploys. (The
/// manifest loader made sure none of its own is also an image's.) Fails with ErrorCode::input
/// when an image component has no image from any source, or when a new image names a
/// component that is not an image component.
common::Result<ParameterSet> compute_parameters(const components::Manifest& manifest,
                                                const components::Environment& env,
                                                const components::Stack& stack,
                                                const ParameterInputs& inputs);

/// CloudFormation's limit on parameters per stack, and where slipway starts to warn.
constexpr std::size_t k_max_parameters = 200;
constexpr std::size_t k_warn_parameters = 150;

/// Checks `values` against the template's Parameters: every value names a declared
/// parameter, every declared parameter without a Default has a value, and each value meets
/// AllowedValues / AllowedPattern / Min/MaxLength / Min/MaxValue. Fails with ErrorCode::input
/// naming the parameter (and the template's file:line); over 200 parameters fails with how to
/// split the stack. Returns warnings (over 150 parameters).
/// `owners` maps a parameter to the component that feeds it, for the messages.
/// Parameters named in `pending` (read from other stacks' outputs later) count as given and
/// are not checked against the constraints.
common::Result<std::vector<std::string>> validate_parameters(
    const Template& t, const std::map<std::string, std::string>& values,
    const std::map<std::string, std::string>& owners = {},
    const std::set<std::string>& pending = {});

}  // namespace deploy
