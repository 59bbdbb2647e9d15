#include "net/peer_name.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace wirechat::net {

std::string peer_name(int fd) {
    sockaddr_storage peer{};
    socklen_t size = sizeof peer;
    char address[INET6_ADDRSTRLEN] = "";
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) != 0) return "?";
    std::string name;
    if (peer.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
        inet_ntop(AF_INET, &v4.sin_addr, address, sizeof address);
        name.append(address).append(":").append(std::to_string(ntohs(v4.sin_port)));
    } else if (peer.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
        inet_ntop(AF_INET6, &v6.sin6_addr, address, sizeof address);
        name.append("[").append(address).append("]:").append(std::to_string(ntohs(v6.sin6_port)));
    } else {
        name = "?";
    }
    return name;
}

}  // namespace wirechat::net
