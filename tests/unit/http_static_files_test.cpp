// The web directory: path rules and MIME types as pure functions, then
// StaticFiles against a real temporary directory.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "http/http_date.h"
#include "http/static_files.h"

using namespace wirechat::http;

TEST_CASE("resolve_request_path maps paths under the root") {
    struct Case {
        std::string in, out;
    };
    for (const Case& c : {
             Case{"/", "index.html"},
             Case{"/index.html", "index.html"},
             Case{"/js/app.js", "js/app.js"},
             Case{"/docs/", "docs/index.html"},
             Case{"/docs", "docs"},
             Case{"//a///b", "a/b"},
             Case{"/./a/./b", "a/b"},
             Case{"/a/.", "a/index.html"},
             Case{"/hello%20world.txt", "hello world.txt"},
             Case{"/%41%62c", "Abc"},
             Case{"/caf%C3%A9", "caf\xc3\xa9"},
             Case{"/a..b/c...", "a..b/c..."},
             Case{"/.well-known/x", ".well-known/x"},
         }) {
        INFO(c.in);
        auto got = resolve_request_path(c.in);
        REQUIRE(got);
        CHECK(*got == c.out);
    }
}

TEST_CASE("resolve_request_path refuses traversal and malformed paths") {
    using namespace std::string_literals;
    for (const std::string& bad : {
             ""s,
             "index.html"s,
             "*"s,
             "/.."s,
             "/../etc/passwd"s,
             "/a/../../etc/passwd"s,
             "/a/.."s,
             "/%2e%2e/etc/passwd"s,
             "/%2E%2E/etc/passwd"s,
             "/.%2e/x"s,
             "/a%2f..%2f..%2fetc"s,
             "/a%2Fb"s,
             "/a\\..\\b"s,
             "/a%5c..%5cb"s,
             "/a%00.html"s,
             "/a\0b"s,
             "/a%0d%0a"s,
             "/%"s,
             "/%4"s,
             "/%zz"s,
             "/a%g1"s,
         }) {
        INFO(bad);
        CHECK_FALSE(resolve_request_path(bad));
    }
}

TEST_CASE("mime_type by extension") {
    CHECK(mime_type("index.html") == "text/html; charset=utf-8");
    CHECK(mime_type("a/b/STYLE.CSS") == "text/css; charset=utf-8");
    CHECK(mime_type("app.js") == "text/javascript; charset=utf-8");
    CHECK(mime_type("module.mjs") == "text/javascript; charset=utf-8");
    CHECK(mime_type("data.json") == "application/json");
    CHECK(mime_type("app.js.map") == "application/json");
    CHECK(mime_type("logo.svg") == "image/svg+xml");
    CHECK(mime_type("logo.png") == "image/png");
    CHECK(mime_type("favicon.ico") == "image/x-icon");
    CHECK(mime_type("notes.txt") == "text/plain; charset=utf-8");
    CHECK(mime_type("engine.wasm") == "application/wasm");
    CHECK(mime_type("archive.tar.gz") == "application/octet-stream");
    CHECK(mime_type("README") == "application/octet-stream");
    CHECK(mime_type("dir.html/file") == "application/octet-stream");
    CHECK(mime_type("html") == "application/octet-stream");
}

namespace {

// A web root with a few files and, beside it, a secret the server must never reach.
struct TempSite {
    std::string base;  // holds web/ and secret.txt
    std::string web;

    TempSite() {
        char pattern[] = "/tmp/wirechat-static-XXXXXX";
        REQUIRE(mkdtemp(pattern));
        base = pattern;
        web = base + "/web";
        REQUIRE(mkdir(web.c_str(), 0755) == 0);
        REQUIRE(mkdir((web + "/js").c_str(), 0755) == 0);
        REQUIRE(mkdir((web + "/docs").c_str(), 0755) == 0);
        REQUIRE(mkdir((web + "/empty").c_str(), 0755) == 0);
        write(web + "/index.html", "<h1>home</h1>");
        write(web + "/js/app.js", "console.log(1)");
        write(web + "/docs/index.html", "<h1>docs</h1>");
        write(web + "/docs/guide.txt", "read me");
        write(base + "/secret.txt", "top secret");
        REQUIRE(symlink((base + "/secret.txt").c_str(), (web + "/leak.txt").c_str()) == 0);
        REQUIRE(symlink(base.c_str(), (web + "/up").c_str()) == 0);
        REQUIRE(symlink("js/app.js", (web + "/alias.js").c_str()) == 0);
    }
    ~TempSite() { std::filesystem::remove_all(base); }  // does not follow the symlinks
    static void write(const std::string& path, const std::string& content) {
        std::ofstream(path, std::ios::binary) << content;
    }
};

Request get(std::string path, std::vector<Header> headers = {}) {
    Request r;
    r.method = "GET";
    r.target = path;
    r.path = std::move(path);
    r.headers = std::move(headers);
    return r;
}

std::string read_all(int fd) {
    std::string content;
    char buffer[256];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) content.append(buffer, std::size_t(n));
    return content;
}

const std::string* header(const FileResponse& r, std::string_view name) {
    for (const Header& h : r.headers)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

// Opens `path` and returns the status, checking the fd contract on the way.
int status_of(const StaticFiles& files, const std::string& path, std::string* content = nullptr) {
    FileResponse r = files.open(get(path));
    if (r.status == 200) {
        REQUIRE(r.fd >= 0);
        CHECK((fcntl(r.fd, F_GETFD) & FD_CLOEXEC) != 0);
        std::string body = read_all(r.fd);
        CHECK(body.size() == r.size);
        if (content) *content = body;
        ::close(r.fd);
    } else {
        CHECK(r.fd == -1);
    }
    return r.status;
}

}  // namespace

TEST_CASE("StaticFiles refuses a root that is not a directory") {
    TempSite site;
    CHECK_THROWS_AS(StaticFiles(site.base + "/secret.txt"), std::runtime_error);
    CHECK_THROWS_AS(StaticFiles(site.base + "/missing"), std::runtime_error);
    CHECK_NOTHROW(StaticFiles(site.web + "/"));
}

TEST_CASE("StaticFiles serves files, index.html and MIME types") {
    TempSite site;
    StaticFiles files(site.web);
    std::string content;
    CHECK(status_of(files, "/", &content) == 200);
    CHECK(content == "<h1>home</h1>");
    CHECK(status_of(files, "/docs/", &content) == 200);
    CHECK(content == "<h1>docs</h1>");
    CHECK(status_of(files, "/docs", &content) == 200);
    CHECK(content == "<h1>docs</h1>");
    CHECK(status_of(files, "/docs/guide%2etxt", &content) == 200);
    CHECK(content == "read me");
    CHECK(status_of(files, "/alias.js", &content) == 200);  // a symlink that stays inside
    CHECK(content == "console.log(1)");

    FileResponse js = files.open(get("/js/app.js"));
    REQUIRE(js.status == 200);
    ::close(js.fd);
    REQUIRE(header(js, "Content-Type"));
    CHECK(*header(js, "Content-Type") == "text/javascript; charset=utf-8");
    CHECK(*header(js, "Cache-Control") == "no-cache");
    REQUIRE(header(js, "ETag"));
    CHECK(header(js, "ETag")->back() == '"');
    struct stat st;
    REQUIRE(stat((site.web + "/js/app.js").c_str(), &st) == 0);
    CHECK(*header(js, "Last-Modified") == http_date(st.st_mtim.tv_sec));
}

TEST_CASE("StaticFiles answers 404 for missing files and every escape attempt") {
    TempSite site;
    StaticFiles files(site.web);
    for (const char* path : {
             "/missing.html",
             "/empty/",          // a directory without index.html
             "/empty",
             "/docs/guide.txt/",  // a file is not a directory
             "/../secret.txt",
             "/docs/../../secret.txt",
             "/%2e%2e/secret.txt",
             "/%2e%2e%2fsecret.txt",
             "/..%5csecret.txt",
             "/leak.txt",        // symlink to a file outside the root
             "/up/secret.txt",   // symlinked directory outside the root
             "/up/",
         }) {
        INFO(path);
        CHECK(status_of(files, path) == 404);
    }
}

TEST_CASE("StaticFiles names a directory's index.html by its own type") {
    TempSite site;
    StaticFiles files(site.web);
    FileResponse r = files.open(get("/docs"));
    REQUIRE(r.status == 200);
    ::close(r.fd);
    REQUIRE(header(r, "Content-Type"));
    CHECK(*header(r, "Content-Type") == "text/html; charset=utf-8");
}

TEST_CASE("StaticFiles refuses a relative symlink that climbs out, and a FIFO without blocking") {
    TempSite site;
    REQUIRE(symlink("../secret.txt", (site.web + "/climb.txt").c_str()) == 0);
    REQUIRE(symlink("../../secret.txt", (site.web + "/docs/climb2.txt").c_str()) == 0);
    REQUIRE(mkfifo((site.web + "/pipe.txt").c_str(), 0644) == 0);
    StaticFiles files(site.web);
    CHECK(status_of(files, "/climb.txt") == 404);
    CHECK(status_of(files, "/docs/climb2.txt") == 404);
    CHECK(status_of(files, "/pipe.txt") == 404);  // would hang in open() without O_NONBLOCK
}

TEST_CASE("StaticFiles answers 403 for a file it may not read") {
    if (geteuid() == 0) {
        WARN("running as root: permissions do not apply, skipped");
        return;
    }
    TempSite site;
    REQUIRE(chmod((site.web + "/docs/guide.txt").c_str(), 0) == 0);
    StaticFiles files(site.web);
    CHECK(status_of(files, "/docs/guide.txt") == 403);
}

TEST_CASE("ETag and If-None-Match") {
    TempSite site;
    StaticFiles files(site.web);
    FileResponse first = files.open(get("/index.html"));
    REQUIRE(first.status == 200);
    ::close(first.fd);
    const std::string etag = *header(first, "ETag");
    std::string opaque = etag.substr(0, 2) == "W/" ? etag.substr(2) : etag;

    auto status_with = [&](std::vector<Header> headers) {
        FileResponse r = files.open(get("/index.html", std::move(headers)));
        if (r.fd >= 0) ::close(r.fd);
        if (r.status == 304) {
            CHECK(r.fd == -1);
            REQUIRE(header(r, "ETag"));
            CHECK(*header(r, "ETag") == etag);
            CHECK(*header(r, "Cache-Control") == "no-cache");
            CHECK_FALSE(header(r, "Content-Type"));
        }
        return r.status;
    };
    CHECK(status_with({{"If-None-Match", etag}}) == 304);
    CHECK(status_with({{"If-None-Match", opaque}}) == 304);          // weak comparison
    CHECK(status_with({{"If-None-Match", "W/" + opaque}}) == 304);
    CHECK(status_with({{"If-None-Match", "\"a,b\", " + etag + " ,\"c\""}}) == 304);
    CHECK(status_with({{"If-None-Match", "\"other\""}, {"if-none-match", etag}}) == 304);
    CHECK(status_with({{"If-None-Match", "*"}}) == 304);
    CHECK(status_with({{"If-None-Match", "\"other\", W/\"another\""}}) == 200);
    CHECK(status_with({{"If-None-Match", "garbage " + etag}}) == 200);  // malformed: ignored
    // If-None-Match decides alone, even when If-Modified-Since would say 304.
    CHECK(status_with({{"If-None-Match", "\"other\""},
                       {"If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT"}}) == 200);

    // A changed file gets a new tag, so the old one no longer matches.
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 123}};
    REQUIRE(utimensat(AT_FDCWD, (site.web + "/index.html").c_str(), times, 0) == 0);
    CHECK(status_with({{"If-None-Match", etag}}) == 200);
}

TEST_CASE("Last-Modified and If-Modified-Since") {
    TempSite site;
    StaticFiles files(site.web);
    const std::time_t mtime = 1000000000;  // Sun, 09 Sep 2001 01:46:40 GMT
    struct timespec times[2] = {{0, UTIME_OMIT}, {mtime, 500000000}};
    REQUIRE(utimensat(AT_FDCWD, (site.web + "/index.html").c_str(), times, 0) == 0);

    auto status_since = [&](const std::string& date) {
        FileResponse r = files.open(get("/", {{"If-Modified-Since", date}}));
        if (r.fd >= 0) ::close(r.fd);
        return r.status;
    };
    CHECK(status_since(http_date(mtime)) == 304);
    CHECK(status_since(http_date(mtime + 3600)) == 304);
    CHECK(status_since(http_date(mtime - 1)) == 200);
    CHECK(status_since("Sunday, 09-Sep-01 01:46:40 GMT") == 304);
    CHECK(status_since("not a date") == 200);

    FileResponse r = files.open(get("/"));
    REQUIRE(r.status == 200);
    ::close(r.fd);
    CHECK(*header(r, "Last-Modified") == "Sun, 09 Sep 2001 01:46:40 GMT");
}
