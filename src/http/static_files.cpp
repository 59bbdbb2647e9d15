#include "http/static_files.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "http/http_date.h"
#include "http/grammar.h"

namespace wirechat::http {

namespace {

// One path segment, percent-decoded; false for anything that could change
// which file is meant once decoded (a '/', a '\\', a control character).
bool decode_segment(std::string_view raw, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) return false;
            int high = hex_value(raw[i + 1]);
            int low = hex_value(raw[i + 2]);
            if (high < 0 || low < 0) return false;
            c = char(high * 16 + low);
            i += 2;
        }
        auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f) return false;
        out.push_back(c);
    }
    return true;
}

// realpath() of `path` if it exists and lies under `root`; otherwise the
// status to answer with. Symlinks inside the root are fine; one leading out
// is reported as a plain 404 so that it reveals nothing.
struct Resolved {
    std::string path;
    int status = 200;
};

Resolved resolve_inside(const std::string& root, const std::string& path) {
    std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
    if (!real) return {{}, errno == EACCES ? 403 : 404};
    std::string_view resolved(real.get());
    bool inside = resolved.size() > root.size() && resolved.substr(0, root.size()) == root &&
                  resolved[root.size()] == '/';
    if (!inside && resolved != root) return {{}, 404};
    return {std::string(resolved), 200};
}

// openat2() has no glibc wrapper in Debian 12. RESOLVE_BENEATH: every step
// of the resolution, symlinks included, must stay under `dir`.
// O_NONBLOCK: opening a FIFO someone left in the root must not block the
// loop; it is then refused as not a regular file.
int open_under(int dir, const char* path) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return int(::syscall(SYS_openat2, dir, path, &how, sizeof how));
}

int status_for_open_error(int error) { return error == EACCES ? 403 : 404; }

std::string make_etag(const struct stat& st) {
    // Derived from metadata, not content, so it is marked weak: two versions
    // written within the same nanosecond at the same size would share it.
    auto mtime_ns = std::uint64_t(st.st_mtim.tv_sec) * 1000000000u + std::uint64_t(st.st_mtim.tv_nsec);
    char text[64];
    int n = std::snprintf(text, sizeof text, "W/\"%llx-%llx\"",
                          static_cast<unsigned long long>(st.st_size),
                          static_cast<unsigned long long>(mtime_ns));
    return std::string(text, std::size_t(n));
}

// The opaque part of an entity tag ("\"x\"" without any W/), for the weak
// comparison that If-None-Match uses (RFC 9110 8.8.3.2).
std::string_view opaque_tag(std::string_view etag) {
    if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
    return etag;
}

// If-None-Match: "*" or a list of entity tags. An entity tag may itself
// contain commas, so the list is walked tag by tag rather than split.
// A malformed field matches nothing (it is then ignored, as RFC 9110 asks).
bool none_match_hits(std::string_view field, std::string_view our_tag) {
    while (true) {
        while (!field.empty() && (field.front() == ' ' || field.front() == '\t' || field.front() == ','))
            field.remove_prefix(1);
        if (field.empty()) return false;
        if (field.front() == '*') return true;
        std::string_view rest = field;
        if (rest.substr(0, 2) == "W/") rest.remove_prefix(2);
        if (rest.empty() || rest.front() != '"') return false;
        std::size_t close = rest.find('"', 1);
        if (close == std::string_view::npos) return false;
        std::string_view tag = rest.substr(0, close + 1);
        if (tag == opaque_tag(our_tag)) return true;
        field = rest.substr(close + 1);
    }
}

bool not_modified(const Request& request, std::string_view etag, const struct stat& st) {
    // If-None-Match, when present, decides alone (RFC 9110 13.2.2).
    bool has_none_match = false;
    for (const Header& h : request.headers) {
        if (!iequals(h.name, "If-None-Match")) continue;
        has_none_match = true;
        if (none_match_hits(h.value, etag)) return true;
    }
    if (has_none_match) return false;
    if (const std::string* since = request.find("If-Modified-Since")) {
        if (auto date = parse_http_date(*since)) return st.st_mtim.tv_sec <= *date;
    }
    return false;
}

}  // namespace

std::optional<std::string> resolve_request_path(std::string_view encoded_path) {
    if (encoded_path.empty() || encoded_path.front() != '/') return std::nullopt;
    std::string relative;
    std::string segment;
    std::string_view rest = encoded_path.substr(1);
    bool names_directory = true;  // "/" or a path ending in '/' or '.'
    while (true) {
        std::size_t slash = rest.find('/');
        std::string_view raw = rest.substr(0, slash);
        if (!decode_segment(raw, segment)) return std::nullopt;
        // ".." is refused outright, even where it would stay inside the root:
        // no legitimate page needs it, and refusing is simpler to trust.
        if (segment == "..") return std::nullopt;
        bool empty_or_dot = segment.empty() || segment == ".";
        if (!empty_or_dot) {
            if (!relative.empty()) relative.push_back('/');
            relative += segment;
        }
        if (slash == std::string_view::npos) {
            names_directory = empty_or_dot;
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    if (names_directory) {
        if (!relative.empty()) relative.push_back('/');
        relative += "index.html";
    }
    return relative;
}

std::string_view mime_type(std::string_view file_name) {
    struct Entry {
        std::string_view extension;
        std::string_view type;
    };
    static constexpr Entry kTypes[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"txt", "text/plain; charset=utf-8"},
        {"wasm", "application/wasm"},
    };
    std::size_t dot = file_name.rfind('.');
    std::size_t slash = file_name.rfind('/');
    if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
        std::string_view extension = file_name.substr(dot + 1);
        for (const Entry& e : kTypes)
            if (iequals(e.extension, extension)) return e.type;
    }
    return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root) {
    std::unique_ptr<char, decltype(&std::free)> real(realpath(root.c_str(), nullptr), &std::free);
    struct stat st;
    if (!real || ::stat(real.get(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("web root is not a directory: " + root);
    root_ = real.get();
    root_fd_ = ::open(real.get(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) throw std::runtime_error("web root cannot be opened: " + root);
    int probe = open_under(root_fd_, ".");
    beneath_ = probe >= 0;
    if (probe >= 0) ::close(probe);
    if (root_ == "/") root_.clear();  // so that root_ + "/" + relative is right
}

StaticFiles::~StaticFiles() { ::close(root_fd_); }

int StaticFiles::open_beneath(const std::string& relative, int& status) const {
    int fd = open_under(root_fd_, relative.c_str());
    // EXDEV: the path or a symlink on it leads out of the root; like a
    // missing file, that reveals nothing.
    if (fd < 0) status = status_for_open_error(errno);
    return fd;
}

int StaticFiles::open_checked(const std::string& relative, int& status) const {
    Resolved file = resolve_inside(root_, root_ + "/" + relative);
    if (file.status != 200) {
        status = file.status;
        return -1;
    }
    // O_NOFOLLOW: the path was just resolved without symlinks, so one
    // appearing now would be a swap made after the check.
    int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) status = status_for_open_error(errno);
    return fd;
}

FileResponse StaticFiles::open(const Request& request) const {
    FileResponse response;
    std::optional<std::string> relative = resolve_request_path(request.path);
    if (!relative) return response;  // 404: a malformed path names no file

    int status = 404;
    int fd = open_file(*relative, status);
    // Type, size and times from the opened file itself. A zeroed stat (an
    // fstat that failed) is no regular file: 404.
    struct stat st{};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        // "/docs" without the slash: its index.html, opened from the root
        // again so that a symlink in it is held to the same rule.
        ::close(fd);
        *relative += "/index.html";
        fd = open_file(*relative, status);
        st = {};
        if (fd >= 0) ::fstat(fd, &st);
    }
    if (fd < 0) {
        response.status = status;
        return response;
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return response;
    }

    std::string etag = make_etag(st);
    if (not_modified(request, etag, st)) {
        ::close(fd);
        response.status = 304;
        response.headers.push_back({"ETag", std::move(etag)});
        response.headers.push_back({"Cache-Control", "no-cache"});
        return response;
    }
    response.status = 200;
    response.fd = fd;
    response.size = std::uint64_t(st.st_size);
    response.headers.push_back({"Content-Type", std::string(mime_type(*relative))});
    response.headers.push_back({"ETag", std::move(etag)});
    response.headers.push_back({"Last-Modified", http_date(st.st_mtim.tv_sec)});
    // Revalidate every time: pages change during development, and a 304 is cheap.
    response.headers.push_back({"Cache-Control", "no-cache"});
    return response;
}

}  // namespace wirechat::http
