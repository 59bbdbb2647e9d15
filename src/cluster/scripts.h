// The Lua scripts that keep the chat's shared state in Redis: each one step
// that Redis runs atomically, so that no two nodes ever see half of one.
// scripts.cpp describes the keys and the invariant they keep.
//
// They are loaded (SCRIPT LOAD) on every new connection and called by their
// SHA-1 (EVALSHA): a Redis that restarted has forgotten them, and a new
// connection is what follows a restart.
#pragma once

#include <string>
#include <string_view>

namespace wirechat::cluster::scripts {

struct Script {
    Script(std::string_view name, std::string text);
    std::string_view name;
    std::string text;
    std::string sha1;  // hex, as EVALSHA wants it
};

extern const Script enter, move, look, rename, leave, post, presence, heartbeat, resync, recover, bye;
extern const Script* const all[11];

}  // namespace wirechat::cluster::scripts
