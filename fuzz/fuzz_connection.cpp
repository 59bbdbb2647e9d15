// A whole connection, in process: HTTP bytes, then WebSocket frames, through
// the same pieces src/server composes (RequestParser -> wants_upgrade ->
// decide_handshake -> server-role ws::Endpoint -> app::Chat), with the
// input's own chunking and no sockets. Requests before the upgrade are
// pipelined HTTP; the bytes after the upgrade's head go to the endpoint.
//
// permessage-deflate is offered, as `wirechat --deflate` does.
// Properties: the handshake is answered exactly once; once upgraded, the
// parser sees no more bytes; everything the endpoint writes is well-formed
// server output (ws_output.h) and every text frame the chat sends is a JSON
// object; after the WebSocket ends the chat has forgotten the client.
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "app/chat.h"
#include "app/memory_engine.h"
#include "fuzz_support.h"
#include "http/request_parser.h"
#include "ws/close_code.h"
#include "ws/deflate.h"
#include "ws/endpoint.h"
#include "ws/handshake.h"
#include "ws_output.h"

using namespace wirechat;

namespace {

constexpr app::ClientId client = 1;
constexpr std::int64_t now_ms = 1'700'000'000'000;

// The WebSocket half: what WsSession and ChatService do for one session.
class Session final : public ws::EndpointHandler, public app::Transport {
public:
    explicit Session(std::optional<ws::EndpointCompression> compression)
        : engine_(options, 1),
          chat_(*this, engine_, options),
          endpoint_(ws::Role::server, ws::EndpointOptions{.max_message = 4096}, *this,
                    compression) {
        chat_.connect(client, now_ms);
    }

    void feed(std::span<std::uint8_t> bytes) {
        endpoint_.feed(bytes);
        chat_.flush();
    }
    bool closed() const { return closed_; }
    std::size_t chat_clients() const { return chat_.client_count(); }
    const std::vector<std::uint8_t>& output() const { return output_; }

private:
    void on_message(ws::Opcode op, std::span<const std::uint8_t> payload) override {
        if (op != ws::Opcode::text) return endpoint_.close(ws::close_code::unsupported, "text only");
        chat_.receive(client, fuzz::as_text(payload), now_ms);
    }
    void on_closed(std::uint16_t, std::string_view, bool) override {
        FUZZ_CHECK(!closed_);
        closed_ = true;
        chat_.disconnect(client);
    }
    void write(std::span<const std::uint8_t> bytes) override {
        output_.insert(output_.end(), bytes.begin(), bytes.end());
    }
    void send(app::ClientId to, std::string_view envelope) override {
        FUZZ_CHECK(to == client);
        endpoint_.send_text(envelope);
    }
    void broadcast(std::span<const app::ClientId> to, std::string_view envelope) override {
        for (app::ClientId id : to) send(id, envelope);
    }
    void end(app::ClientId, std::string_view, Ending) override { FUZZ_CHECK(false); }  // memory never fails, nobody is signed

    static constexpr app::ChatOptions options{.max_envelope_bytes = 512};

    // Destroyed in reverse order: the endpoint (which calls the chat back)
    // is declared last.
    std::vector<std::uint8_t> output_;
    bool closed_ = false;
    app::MemoryEngine engine_;
    app::Chat chat_;
    ws::Endpoint endpoint_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Chunker chunker({data, size});
    std::vector<std::uint8_t> buffer(chunker.payload().begin(), chunker.payload().end());
    const ws::HandshakeOptions handshake{.subprotocols = {"wirechat.v1"},
                                         .deflate = ws::DeflateOptions{}};
    // As the server with --deflate: one compressor per window size.
    ws::SharedDeflaters deflaters;
    std::optional<ws::Inflater> our_messages;

    http::RequestParser parser(http::ParserLimits{.max_body = 4096});
    std::optional<Session> session;
    bool http_done = false;  // failed, refused, or upgraded
    std::size_t answered = 0;
    std::size_t pos = 0;
    while (pos < buffer.size()) {
        std::span<std::uint8_t> chunk = std::span(buffer).subspan(pos, chunker.next(buffer.size() - pos));
        pos += chunk.size();
        while (!chunk.empty() && !http_done) {
            const http::ParseResult r = parser.feed(fuzz::as_text(chunk));
            chunk = chunk.subspan(r.consumed);
            if (r.event == http::ParseEvent::need_more) break;
            if (r.event == http::ParseEvent::error) {
                http_done = true;
            } else if (r.event == http::ParseEvent::head_complete && ws::wants_upgrade(parser.request())) {
                const ws::HandshakeDecision decision = ws::decide_handshake(parser.request(), handshake);
                ++answered;
                http_done = true;
                if (decision.status != 101) continue;
                std::optional<ws::EndpointCompression> compression;
                if (const auto& agreed = decision.deflate) {
                    compression = ws::EndpointCompression{
                        .deflater = &deflaters.for_window_bits(agreed->server_max_window_bits),
                        .peer_window_bits = agreed->client_max_window_bits,
                        .peer_keeps_context = !agreed->client_no_context_takeover};
                    our_messages.emplace(15, false);
                }
                session.emplace(compression);
            } else if (r.event == http::ParseEvent::message_complete) {
                ++answered;
                parser.reset();
            }
        }
        // Whatever is left of the chunk after an upgrade is WebSocket bytes.
        if (session && !chunk.empty()) session->feed(chunk);
        if (http_done && !session) break;
    }
    if (session) {
        FUZZ_CHECK(answered >= 1);
        const auto texts = fuzz::check_endpoint_output(session->output(), ws::Role::server,
                                                       our_messages ? &*our_messages : nullptr);
        for (const auto& text : texts) {
            boost::system::error_code ec;
            FUZZ_CHECK(boost::json::parse(fuzz::as_text(text), ec).is_object() && !ec);
        }
        FUZZ_CHECK(session->chat_clients() == (session->closed() ? 0u : 1u));
    }
    return 0;
}
