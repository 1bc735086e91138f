#pragma once
// Internal to the adopt library: which of a repository's templates `slipway init` adopts --
// the one given, the one of a one-stack manifest, or each template that deploys on its own
// (the rules are in discover.hpp).
#include <cstddef>
#include <string>
#include <vector>

#include "adopt/discover.hpp"

namespace adopt {

struct TemplateChoice {
    /// None found; one: the one-stack form's; several: a stack each, by path.
    std::vector<TemplateFacts> templates;
    std::size_t primary = 0;          // of several, the one building the most code
    std::vector<std::string> others;  // templates found and not adopted (notes say why)
};

/// Reads the candidates and chooses. Fails with ErrorCode::input when the template given as
/// input.template_path cannot be read or parsed (naming it, and file:line).
common::Result<TemplateChoice> choose_templates(const DiscoverInput& input, const ReadFile& read,
                                                std::vector<std::string>& notes);

/// How much of the template's local code is in the repository: SAM build contexts and
/// packaged paths that exist.
std::size_t local_code_here(const TemplateFacts& t, const std::vector<std::string>& files);

}  // namespace adopt
