#include "access/secret_file.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "access/token.h"

namespace wirechat::access {

std::string read_secret_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error("cannot read the secret file '" + path + "'");
    std::string secret((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.size() < min_secret_bytes)
        throw std::runtime_error("the secret in '" + path + "' is shorter than " + std::to_string(min_secret_bytes) +
                                 " bytes (make one with: openssl rand -hex 32 > FILE)");
    return secret;
}

}  // namespace wirechat::access
