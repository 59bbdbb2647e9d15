#include "server/ws_service.h"

#include "server/ws_session.h"

namespace wirechat::server {

void EchoService::message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) {
    session.send(op, payload);
}

}  // namespace wirechat::server
