#pragma once
// Internal to the adopt library: the stacks of a repository with several deployable
// templates -- their keys, which components each deploys, the parameters of its template
// and, per environment, the stacks' names and stage values (the rules are in discover.hpp).
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adopt/discover.hpp"

namespace adopt {

/// Gives each of `stacks` (by template path) a unique key: template_key, else the
/// template's path where two agree, else a number after it.
void key_stacks(std::vector<FoundStack>& stacks);

/// Places each image and config component of `d` in a stack, hands each stack's template
/// parameters to its image components, adds each template's config component, and notes
/// what each stack's template wants that no component gives. `owners`: component name ->
/// the stacks whose templates build (SAM) or package it; `primary`: the stack whose template
/// builds the most code.
void assign_stacks(Discovery& d, const std::map<std::string, std::set<std::size_t>>& owners,
                   std::size_t primary, const std::vector<Package>& packages);

/// Each environment's stack names and stage values (shared ones in `parameters`).
void stack_environments(Discovery& d);

}  // namespace adopt
