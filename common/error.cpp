#include "common/error.hpp"

namespace common {

Error Error::with_context(std::string_view context) const {
    Error out = *this;
    out.message = std::string(context) + ": " + message;
    return out;
}

int exit_code(ErrorCode code) {
    switch (code) {
        case ErrorCode::failed:
            return 1;
        case ErrorCode::usage:
            return 2;
        case ErrorCode::input:
            return 2;
        case ErrorCode::busy:
            return 3;
        case ErrorCode::external:
            return 4;
        case ErrorCode::interrupted:
            return 130;
        case ErrorCode::held:
            return 5;
    }
    return 1;
}

}  // namespace common
