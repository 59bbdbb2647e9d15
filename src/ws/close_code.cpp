// Which close codes a peer may send; the reasons are in close_code.h.
#include "ws/close_code.h"

namespace wirechat::ws {

bool is_valid_close_code(std::uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

}  // namespace wirechat::ws
