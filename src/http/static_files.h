// Serving the web directory: mapping a request path to a file under the root,
// refusing anything that would leave it, and answering conditional requests
// (ETag / If-None-Match, Last-Modified / If-Modified-Since) with 304.
//
// This is the one part of the HTTP layer that touches the file system. The
// path rules and MIME table are pure functions so they can be tested alone.
//
// Containment: files are opened relative to a descriptor of the root opened
// once, with openat2(RESOLVE_BENEATH), so the kernel refuses any path or
// symlink that leads out while it resolves the path: one system call, and no
// window between a check and the open. Where openat2 is missing (Linux before
// 5.6, or a seccomp filter refusing it), the path is checked with realpath()
// first instead, which costs a readlink per path component.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace wirechat::http {

struct FileResponse {
    int status = 404;               // 200, 304, 403, 404
    int fd = -1;                    // for 200: open O_RDONLY|O_CLOEXEC, owned (and closed)
                                    // by the caller; -1 otherwise
    std::uint64_t size = 0;         // of the file, for 200
    std::vector<Header> headers;    // Content-Type, ETag, Last-Modified, Cache-Control
};

class StaticFiles {
public:
    // Throws std::runtime_error if `root` is not a directory.
    explicit StaticFiles(std::string root);
    ~StaticFiles();
    StaticFiles(const StaticFiles&) = delete;
    StaticFiles& operator=(const StaticFiles&) = delete;
    // For GET or HEAD (the caller checks the method).
    FileResponse open(const Request& request) const;

private:
    // `relative` opened for reading if it is under the root, else -1 and the
    // status to answer (403, 404).
    int open_file(const std::string& relative, int& status) const {
        return beneath_ ? open_beneath(relative, status) : open_checked(relative, status);
    }
    int open_beneath(const std::string& relative, int& status) const;
    int open_checked(const std::string& relative, int& status) const;

    std::string root_;  // realpath of the root, without a trailing '/'
    int root_fd_ = -1;  // O_PATH descriptor of the root
    bool beneath_ = false;  // openat2(RESOLVE_BENEATH) works here
};

// Percent-decodes and normalises a request path ("/a/./b%20c") into a path
// relative to the root ("a/b c"). nullopt when it is malformed or could
// escape or confuse the mapping: "..", "%2e%2e", an encoded '/', a NUL or
// other control character, a backslash, a bad %-escape. A path ending in '/'
// (including "/") maps to that directory's index.html.
std::optional<std::string> resolve_request_path(std::string_view encoded_path);

// The Content-Type for a file name, by extension (html, css, js, mjs, json,
// svg, png, ico, txt, wasm, map); text types carry "; charset=utf-8".
// "application/octet-stream" for anything else.
std::string_view mime_type(std::string_view file_name);

}  // namespace wirechat::http
