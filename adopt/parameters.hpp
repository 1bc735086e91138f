#pragma once
// Internal to the adopt library: handing a template's parameters to image components (the
// rules are in discover.hpp).
#include <optional>
#include <string>
#include <vector>

#include "adopt/discover.hpp"

namespace adopt {

/// Gives every image component of `comps` a parameter: its SAM function's ImageUri
/// parameter, else the candidate parameter its name, folder or package name matches, else
/// a guessed `<Name>ImageUri` (parameter_guessed; `<Function>ImageUri` for a SAM image
/// function whose ImageUri refers to no parameter, with a warning showing the lines to add).
/// Returns the parameters no component took, sorted by name; ambiguities go to `notes`.
std::vector<TemplateParameter> assign_parameters(std::vector<FoundComponent>& comps,
                                                 const std::optional<TemplateFacts>& facts,
                                                 const std::vector<Package>& packages,
                                                 std::vector<std::string>& notes,
                                                 std::vector<std::string>& warnings);

/// The parameters of `facts` whose names take `c`'s image (its name, folder or package name
/// matches), whether or not a component took them already.
std::vector<std::string> name_matches(const FoundComponent& c, const TemplateFacts& facts,
                                      const std::vector<Package>& packages);

/// "api-gateway" -> "ApiGatewayImageUri".
std::string guessed_parameter(const std::string& component);

}  // namespace adopt
