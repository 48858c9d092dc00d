// The client end of the --trigger-socket protocol: one request line out, one reply line back,
// bounded in time so a hung or overloaded record-incident never hangs an operator's shell.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace ibsr::incident {

// Connects to the Unix socket at `path`, sends `request` plus a newline and returns the reply
// line without its newline. Connecting, sending and reading share one `timeout`. Errors name the
// path: "no record-incident is listening on 'PATH': ..." when nothing is there (ENOENT,
// ECONNREFUSED), "cannot connect to 'PATH': ..." otherwise (EACCES: not in the socket's group).
Result<std::string> exchangeCommand(const std::string& path, const std::string& request,
                                    std::chrono::milliseconds timeout);

}  // namespace ibsr::incident
