// The chat's only way out: where encoded envelopes go.
//
// The chat core never touches a socket. It hands finished JSON text to a
// Transport, which the server implements by framing it as a WebSocket text
// message; tests implement it by recording what was sent.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace wirechat::app {

using ClientId = std::uint64_t;

class Transport {
public:
    virtual void send(ClientId to, std::string_view envelope) = 0;
    // The same bytes to every recipient: the server frames them ONCE and shares them.
    //
    // Both calls must copy what they keep and must not call back into the Chat:
    // `to` is the chat's own membership list and `envelope` its scratch buffer,
    // both only valid for the duration of the call.
    virtual void broadcast(std::span<const ClientId> to, std::string_view envelope) = 0;
    // Why a client is sent away.
    enum class Ending {
        try_again,  // it cannot be served now (the shared store is out of
                    // reach, or it must come back to catch up)
        refused,    // it may not be here as it is (its signed name is in use)
    };
    // Close the client's connection. `reason` is for humans. Must not call
    // back into the Chat either.
    virtual void end(ClientId to, std::string_view reason, Ending why) = 0;

protected:
    ~Transport() = default;
};

}  // namespace wirechat::app
