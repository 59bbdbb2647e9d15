// The client's side of permessage-deflate negotiation (RFC 7692 5, 7.1):
// what the load generator offers, and how it reads the server's answer.
// src/ws negotiates as a server; a client must check the answer instead, and
// fail the connection if the server agreed to something it was not offered.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ws/extension_offer.h"

namespace wirechat::bench {

// What browsers offer (Chromium and Firefox alike): permessage-deflate with
// both sides keeping context unless the server says otherwise, and the
// server free to limit the client's window.
inline constexpr std::string_view deflate_offer = "permessage-deflate; client_max_window_bits";

// The agreed parameters from the Sec-WebSocket-Extensions value of a 101
// response to deflate_offer, or nullopt with `why` set if the answer is not
// one we may accept (7.1: more than one extension, an unknown or repeated
// parameter, a window outside 8-15).
std::optional<ws::DeflateParams> read_deflate_answer(std::string_view answer, std::string& why);

}  // namespace wirechat::bench
