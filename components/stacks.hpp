#pragma once
// Which stack of an environment deploys each component, and in which order the stacks go.
//
// A stack's `components` entries are component names, globs over names (`api-*`), or globs
// with a '/' over the folders a component's `paths` name (`jobs/*` holds the component whose
// paths are `jobs/etl/`). They match image and config components (libraries have no stack).
// Every image component belongs to exactly one stack of each environment; a config component
// to at most one (one listed in no stack -- a shared file -- affects every stack). A stack
// waits for the stacks whose outputs its parameters read and those it `depends_on`; these
// edges may not form a cycle. A stack passes at most CloudFormation's 200 parameters: one per
// image component plus its own.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"

namespace components {

/// CloudFormation's limit on the parameters of one stack.
inline constexpr std::size_t k_max_stack_parameters = 200;

/// Whether a stack's `components` entry matches component `c` (see above).
bool stack_entry_matches(std::string_view entry, const Component& c);

/// Settles `env`'s stacks against the manifest's components: each stack's members and the
/// stacks it waits for. Fails with ErrorCode::input and "file:line:column: ..." for an entry
/// that matches nothing or names a library, an image component in no stack or in two, a
/// config component in two, a stack parameter that names an unknown stack or one of its
/// components' parameters, a cycle between stacks, and more than 200 parameters.
common::Result<void> settle_stacks(const Manifest& m, Environment& env);

}  // namespace components
