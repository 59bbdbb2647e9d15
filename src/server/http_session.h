// A connection speaking HTTP/1.1: parse requests, answer them in order, and
// hand the connection over to a WsSession when a WebSocket upgrade succeeds.
//
// Requests are answered as soon as they are complete, so pipelined requests
// are answered in order without any queue. The one exception is a file
// being sent: until it is out, the rest of the input waits in the
// connection (on_data consumes nothing more), which also bounds memory.
#pragma once

#include <memory>

#include "http/request_parser.h"
#include "net/connection.h"
#include "trace/tracer.h"

namespace wirechat::server {

class Server;

class HttpSession final : public net::ProtocolHandler {
public:
    // `tracer` is null unless the server runs with --trace; an upgrade
    // hands it on to the WsSession.
    HttpSession(net::Connection& connection, Server& server,
                std::unique_ptr<trace::Tracer> tracer = nullptr);
    ~HttpSession() override;

    std::size_t on_data(std::span<std::uint8_t> bytes) override;
    void on_drained() override;
    void wind_down() override;
    void on_close() override;

private:
    enum class Wait { idle, head, body };
    void arm(Wait wait, int ms);
    void on_timer();
    // Each returns false when the connection is done with HTTP (closing, or
    // handed over to WebSocket).
    bool respond(const http::Request& request);
    bool upgrade(const http::Request& request);
    void serve_echo(const http::Request& request, bool keep_alive);
    void serve_file(const http::Request& request, bool keep_alive);
    void send_error(int status, std::string_view reason,
                    std::span<const http::Header> extra = {});
    void send_response(std::string_view out);

    Server& server_;
    http::RequestParser parser_;
    net::Timer timer_{[this] { on_timer(); }};
    Wait waiting_for_ = Wait::idle;
    bool sending_file_ = false;
    std::unique_ptr<trace::Tracer> tracer_;
};

}  // namespace wirechat::server
