#pragma once
// Writing YAML with libyaml's emitter, for the text slipway generates (the starter manifest
// of `slipway init`): one scalar, or one flow sequence of scalars, as text to put after a
// key. A scalar is written plain where YAML allows it and quoted where it must be (libyaml
// decides), never wrapped; `quote` forces double quotes, for text a reader would resolve to
// a boolean, null or number. Empty and multi-line text is always double-quoted.
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace common::yaml {

/// A scalar to write, double-quoted when `quote` is true.
struct OutScalar {
    std::string_view text;
    bool quote = false;
};

/// `s` as YAML text (no newline). Fails with ErrorCode::input when the text is not UTF-8.
Result<std::string> emit_scalar(OutScalar s);

/// `items` as one flow sequence ("[a, 'b, c']"). Fails as emit_scalar does.
Result<std::string> emit_flow_sequence(const std::vector<OutScalar>& items);

}  // namespace common::yaml
