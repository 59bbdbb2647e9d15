#include "tls/openssl_error.h"

#include <openssl/err.h>

namespace wirechat::tls {

std::string openssl_error() {
    std::string text;
    while (unsigned long code = ERR_get_error()) {
        const char* reason = ERR_reason_error_string(code);
        if (!text.empty()) text += "; ";
        text += reason ? reason : "error " + std::to_string(ERR_GET_REASON(code));
    }
    return text.empty() ? "unknown error" : text;
}

}  // namespace wirechat::tls
