#pragma once
// SIGINT and SIGTERM as a readable pipe: the handler writes one byte, the build loop polls
// the read end. Async-signal-safe; installed once by the CLI before work starts.
namespace common {

/// Installs the handlers (idempotent) and returns the pipe's read end.
int install_interrupt_pipe();

/// True once SIGINT or SIGTERM arrived.
bool interrupted();

}  // namespace common
