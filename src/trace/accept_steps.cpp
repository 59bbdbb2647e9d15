// Computed here rather than taken from ws::compute_accept(), which returns
// only the final value: the trace needs the intermediate SHA-1 too, and a
// second, independent computation is what lets the client check the server.
#include "trace/accept_steps.h"

#include <openssl/evp.h>

#include <span>
#include <stdexcept>

#include "trace/frame_format.h"

namespace wirechat::trace {

namespace {
constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
}

AcceptSteps accept_steps(std::string_view key) {
    AcceptSteps steps;
    steps.key = key;
    steps.concatenated.append(key).append(websocket_guid);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    if (EVP_Digest(steps.concatenated.data(), steps.concatenated.size(), digest, &digest_size,
                   EVP_sha1(), nullptr) != 1)
        throw std::runtime_error("SHA-1 failed");
    steps.sha1_hex = hex(std::span<const std::uint8_t>(digest, digest_size));
    // 20 bytes are 28 base64 digits; EVP_EncodeBlock also writes a NUL.
    unsigned char encoded[32];
    const int written = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
    steps.accept.assign(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(written));
    return steps;
}

std::string describe_accept(const AcceptSteps& steps) {
    std::string out = "accept = base64(SHA-1(\"";
    out.append(steps.key).append("\" + \"").append(websocket_guid).append("\")) = base64(");
    out.append(steps.sha1_hex).append(") = ").append(steps.accept);
    return out;
}

}  // namespace wirechat::trace
