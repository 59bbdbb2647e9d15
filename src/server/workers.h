// --workers N: N processes serving one port, and the small supervisor that
// starts them, starts again one that dies, and stops them all on SIGTERM.
//
// Each worker is a whole wirechat: its own event loop, Server, SO_REUSEPORT
// listener on the shared port, and Redis connections (one node of the chat),
// so the kernel spreads connections over the cores and nothing is shared
// between processes but the port and Redis. The supervisor only forks,
// waits and signals: it runs no event loop and never talks to Redis.
#pragma once

#include <functional>

#include "server/options.h"

namespace wirechat::server {

// What a worker runs: a whole server on these options, until it is asked to
// stop; returns the process's exit status. It prints its "listening on" line
// on stdout, as a single process does: the supervisor reads it there.
using Serve = std::function<int(const Options&)>;

// Call before anything opens an event loop, a ring or a connection: those
// must belong to one process, and fork() would copy them into every worker.
// Reserves options.host:options.port (0: a free port, picked once), starts
// `count` workers running serve() on it, prints "listening on
// http://HOST:PORT" once every one of them listens, then supervises them
// until SIGINT or SIGTERM. Returns the supervisor's exit status: 0 after a
// signal, 1 if a worker died before the first announcement. Throws
// std::runtime_error, with a one-line message, when the port cannot be
// bound. Never returns in a worker: the worker exits with serve()'s status.
int run_workers(const Options& options, int count, const Serve& serve);

}  // namespace wirechat::server
