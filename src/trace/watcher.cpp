#include "trace/watcher.h"

namespace wirechat::trace {

namespace {

class Both final : public Watcher {
public:
    Both(std::unique_ptr<Watcher> first, std::unique_ptr<Watcher> second)
        : first_(std::move(first)), second_(std::move(second)) {}

    void note(std::string_view text) override { first_->note(text), second_->note(text); }
    void head(Direction d, std::string_view raw) override { first_->head(d, raw), second_->head(d, raw); }
    void request(const http::Request& r) override { first_->request(r), second_->request(r); }
    void accept(std::string_view key) override { first_->accept(key), second_->accept(key); }
    void received(std::span<const std::uint8_t> b) override { first_->received(b), second_->received(b); }
    void sent(std::span<const std::uint8_t> b) override { first_->sent(b), second_->sent(b); }
    void message(Direction d, std::size_t size) override { first_->message(d, size), second_->message(d, size); }
    void websocket_closed(std::uint16_t code, std::string_view reason, bool clean) override {
        first_->websocket_closed(code, reason, clean), second_->websocket_closed(code, reason, clean);
    }
    void closed(std::string_view how) override { first_->closed(how), second_->closed(how); }

private:
    std::unique_ptr<Watcher> first_, second_;
};

}  // namespace

std::string request_head(const http::Request& request) {
    std::string raw = request.method + " " + request.target + " HTTP/1." + std::to_string(request.version_minor) + "\r\n";
    for (const http::Header& field : request.headers) raw += field.name + ": " + field.value + "\r\n";
    return raw + "\r\n";
}

std::unique_ptr<Watcher> both(std::unique_ptr<Watcher> first, std::unique_ptr<Watcher> second) {
    if (!first) return second;
    if (!second) return first;
    return std::make_unique<Both>(std::move(first), std::move(second));
}

}  // namespace wirechat::trace
