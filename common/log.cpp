#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace common {

void init_logging(bool verbose) {
    auto logger = spdlog::stderr_color_mt("slipway");
    logger->set_pattern("slipway: %l: %v");
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

}  // namespace common
