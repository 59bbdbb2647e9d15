// --workers N: a supervisor and N worker processes sharing one port, each a
// node of one chat through a real redis-server (started here). What is
// checked is what the kernel and /proc say: which processes are children of
// the supervisor, which of them holds the listening sockets and each
// client's connection, and that a worker killed is started again.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.h"

using harness::RedisServer;
using harness::ServerProcess;
using harness::Socket;
using harness::WsClient;
using harness::next_envelope;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Polls `done` every 10 ms until it holds or timeout_ms pass.
bool eventually(const std::function<bool()>& done, int timeout_ms = 5000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// The whole file; "" or what was read before an error. (/proc files of a
// process that is exiting fail with ESRCH, which std::ifstream throws.)
std::string read_text(const std::string& path) {
    std::string text;
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, std::size_t(n));
    close(fd);
    return text;
}

// ---- what /proc says ---------------------------------------------------------

// A process's state letter and parent, from /proc/PID/stat; state 0 if gone.
struct ProcStat {
    char state = 0;
    pid_t parent = 0;
};
ProcStat proc_stat(pid_t pid) {
    const std::string text = read_text("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = text.rfind(')');  // the command name may hold anything
    if (paren == std::string::npos) return {};
    std::istringstream rest(text.substr(paren + 1));
    ProcStat stat;
    rest >> stat.state >> stat.parent;
    return stat;
}

bool alive(pid_t pid) {
    const char state = proc_stat(pid).state;
    return state != 0 && state != 'Z';
}

// The living children of `parent` (/proc/PID/task/*/children needs a kernel
// option; every process's stat names its parent).
std::set<pid_t> children_of(pid_t parent) {
    std::set<pid_t> children;
    std::error_code error;
    for (fs::directory_iterator entry("/proc", error); !error && entry != fs::directory_iterator();
         entry.increment(error)) {
        const std::string name = entry->path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t pid = std::atoi(name.c_str());
        const ProcStat stat = proc_stat(pid);
        if (stat.parent == parent && stat.state != 'Z' && stat.state != 0) children.insert(pid);
    }
    return children;
}

// What each descriptor of `pid` is: "socket:[123]", "anon_inode:[io_uring]"...
std::vector<std::string> descriptors(pid_t pid) {
    std::vector<std::string> links;
    // With error codes throughout: the process may be exiting meanwhile.
    std::error_code error;
    for (fs::directory_iterator entry("/proc/" + std::to_string(pid) + "/fd", error);
         !error && entry != fs::directory_iterator(); entry.increment(error)) {
        std::error_code unreadable;
        const fs::path target = fs::read_symlink(entry->path(), unreadable);
        if (!unreadable) links.push_back(target.string());
    }
    return links;
}

// The socket inodes that `processes` hold, and who holds each.
std::map<unsigned long, pid_t> socket_holders(const std::set<pid_t>& processes) {
    std::map<unsigned long, pid_t> holders;
    for (pid_t pid : processes)
        for (const std::string& link : descriptors(pid))
            if (link.starts_with("socket:[")) holders[std::stoul(link.substr(8))] = pid;
    return holders;
}

// The IPv4 TCP sockets of our network namespace (/proc/net/tcp): ports,
// state (0x0A listening, 0x01 established) and inode.
struct TcpSocket {
    unsigned local_port, remote_port, state;
    unsigned long inode;
};
std::vector<TcpSocket> tcp_sockets() {
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // the column names
    std::vector<TcpSocket> sockets;
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, skip;
        unsigned long inode = 0;
        fields >> slot >> local >> remote >> state >> skip >> skip >> skip >> skip >> skip >> inode;
        const auto port = [](const std::string& address) {
            return unsigned(std::stoul(address.substr(address.find(':') + 1), nullptr, 16));
        };
        sockets.push_back({port(local), port(remote), unsigned(std::stoul(state, nullptr, 16)), inode});
    }
    return sockets;
}

// Which of `processes` hold a listening socket on `port`.
std::set<pid_t> listening_on(std::uint16_t port, const std::set<pid_t>& processes) {
    const auto holders = socket_holders(processes);
    std::set<pid_t> found;
    for (const TcpSocket& s : tcp_sockets())
        if (s.state == 0x0A && s.local_port == port && holders.contains(s.inode)) found.insert(holders.at(s.inode));
    return found;
}

// Whether `pid` holds an established TCP connection (to anyone).
bool connected(pid_t pid) {
    const auto holders = socket_holders({pid});
    for (const TcpSocket& s : tcp_sockets())
        if (s.state == 0x01 && holders.contains(s.inode)) return true;
    return false;
}

// For each client, the process among `processes` that holds the server's
// end of its connection to `port`; 0 if none does. (One reading of
// /proc/net/tcp for all: on a busy machine it has thousands of lines.)
std::vector<pid_t> serving(const std::vector<Socket*>& clients, std::uint16_t port,
                           const std::set<pid_t>& processes) {
    const auto holders = socket_holders(processes);
    std::map<unsigned, pid_t> by_client_port;
    for (const TcpSocket& s : tcp_sockets())
        if (s.state == 0x01 && s.local_port == port && holders.contains(s.inode))
            by_client_port[s.remote_port] = holders.at(s.inode);
    std::vector<pid_t> found;
    for (Socket* client : clients) {
        sockaddr_in address{};
        socklen_t size = sizeof address;
        getsockname(client->fd(), reinterpret_cast<sockaddr*>(&address), &size);
        const auto holder = by_client_port.find(ntohs(address.sin_port));
        found.push_back(holder == by_client_port.end() ? 0 : holder->second);
    }
    return found;
}

// ---- the chat ----------------------------------------------------------------

// A chat client called `nickname`, welcomed. A worker that has not reached
// Redis yet refuses the upgrade with 503 (and wait_until_chat_ready() asks
// only whichever worker the kernel picks): try again, bounded.
std::unique_ptr<WsClient> chat_client(std::uint16_t port, const std::string& nickname) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
        try {
            auto client = std::make_unique<WsClient>(port, "/?nickname=" + nickname);
            CHECK(std::string(next_envelope(*client, "welcome").at("payload").at("nickname").as_string()) == nickname);
            return client;
        } catch (const std::runtime_error&) {
            if (Clock::now() > deadline) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

using Clients = std::vector<std::unique_ptr<WsClient>>;

std::vector<pid_t> serving(const Clients& clients, std::uint16_t port, const std::set<pid_t>& processes) {
    std::vector<Socket*> sockets;
    for (const auto& client : clients) sockets.push_back(&client->socket());
    return serving(sockets, port, processes);
}

pid_t serving(WsClient& client, std::uint16_t port, const std::set<pid_t>& processes) {
    return serving(std::vector<Socket*>{&client.socket()}, port, processes).front();
}

// `from` says `text`: every client in `everyone` (the sender too) gets it,
// as its next message.
void everyone_hears(WsClient& from, const std::string& text, const Clients& everyone) {
    from.send_text(json::serialize(json::object{{"type", "new_message"}, {"payload", text}}));
    for (std::size_t i = 0; i < everyone.size(); ++i) {
        INFO("client " << i);
        CHECK(std::string(next_envelope(*everyone[i], "new_message").at("payload").at("text").as_string()) == text);
    }
}

// ---- the supervisor ----------------------------------------------------------

// `wirechat --workers N --redis URL` whose stderr (and its workers') goes
// to a file the test can read: fd 2 points there while it is started.
class Supervised {
public:
    Supervised(const RedisServer& redis, int workers) {
        char path[] = "/tmp/wirechat-workers-test.XXXXXX";
        const int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        stderr_path_ = path;
        const int saved = dup(STDERR_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
        try {
            server_ = std::make_unique<ServerProcess>(
                std::vector<std::string>{"--workers", std::to_string(workers), "--redis", redis.url()});
        } catch (...) {
            dup2(saved, STDERR_FILENO);
            close(saved);
            throw;
        }
        dup2(saved, STDERR_FILENO);
        close(saved);
        // Workers listen before they reach Redis. Until every one has
        // registered, the kernel may hand clients to one that refuses them
        // (chat_client tries again), and they would all end on the first
        // one ready: the tests that want them spread wait for all.
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        while (redis.cli({"ZCARD", "wirechat:nodes"}) != std::to_string(workers) + "\n" && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ~Supervised() {
        server_.reset();
        unlink(stderr_path_.c_str());
    }
    ServerProcess& process() { return *server_; }
    pid_t pid() const { return server_->pid(); }
    std::uint16_t port() const { return server_->port(); }
    std::set<pid_t> workers() const { return children_of(server_->pid()); }
    std::string err() const { return read_text(stderr_path_); }
    // The supervisor's line about `pid`, from its stderr ("" if none).
    std::string line_about(pid_t pid) const {
        std::istringstream lines(err());
        std::string line;
        while (std::getline(lines, line))
            if (line.find("(pid " + std::to_string(pid) + ")") != std::string::npos) return line;
        return "";
    }

private:
    std::string stderr_path_;
    std::unique_ptr<ServerProcess> server_;
};

// Connects clients "<prefix>0", "<prefix>1"... until `count` are connected.
void connect(Clients& clients, std::uint16_t port, const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) clients.push_back(chat_client(port, prefix + std::to_string(i)));
}

}  // namespace

TEST_CASE("more than one worker needs --redis, and --workers takes 1 to 64") {
    const auto no_redis = harness::run_to_exit({"--workers", "2"});
    CHECK(no_redis.status == 2);
    CHECK(no_redis.output == "wirechat: --workers 2 needs --redis: without it each worker would have a chat of its own\n");
    for (const char* wrong : {"0", "65", "two"}) {
        const auto out_of_range = harness::run_to_exit({"--workers", wrong, "--redis", "redis://127.0.0.1:1"});
        CHECK(out_of_range.status == 2);
        CHECK(out_of_range.output ==
              "wirechat: --workers: expected a number from 1 to 64, got '" + std::string(wrong) + "'\n");
    }
}

TEST_CASE("one worker is the single process: no supervisor, no Redis needed") {
    ServerProcess server({"--workers", "1"});
    CHECK(children_of(server.pid()).empty());
    CHECK(listening_on(server.port(), {server.pid()}) == std::set<pid_t>{server.pid()});
    WsClient alice(server.port(), "/?nickname=alice");
    CHECK(next_envelope(alice, "welcome").at("payload").at("nickname") == "alice");
}

TEST_CASE("three workers listen on one port, and their clients are one chat") {
    RedisServer redis;
    Supervised server(redis, 3);
    // The line came once every worker listened, each on a socket of its own.
    const std::set<pid_t> workers = server.workers();
    REQUIRE(workers.size() == 3);
    CHECK(listening_on(server.port(), workers) == workers);
    // The supervisor holds the port but does not listen, and opened no event
    // loop, no ring and no connection (to Redis or anyone).
    CHECK(listening_on(server.port(), {server.pid()}).empty());
    for (const std::string& link : descriptors(server.pid())) {
        INFO(link);
        CHECK(link.find("eventpoll") == std::string::npos);
        CHECK(link.find("io_uring") == std::string::npos);
    }
    CHECK_FALSE(connected(server.pid()));

    // Fresh connections all reach a listening worker: the supervisor's bound
    // socket, also in the port's SO_REUSEPORT group, takes none.
    for (int i = 0; i < 40; ++i) {
        Socket s(server.port());
        s.send(harness::get("/"));
        const auto response = harness::read_response(s);
        REQUIRE(response);
        CHECK(response->status == 200);
    }

    Clients clients;
    connect(clients, server.port(), "user", 15);
    std::map<pid_t, int> per_worker;
    for (pid_t worker : serving(clients, server.port(), workers)) ++per_worker[worker];
    CHECK(per_worker.count(0) == 0);  // every connection is a worker's
    CHECK(per_worker.size() >= 2);    // the kernel spread them: 15 on one of 3 is 3 in 3^15
    everyone_hears(*clients.front(), "hello from the first", clients);
    // If anyone had got the first twice, this would not be its next message.
    everyone_hears(*clients.back(), "and from the last", clients);
    CHECK(server.workers() == workers);
}

TEST_CASE("a worker killed is started again, and the chat goes on") {
    RedisServer redis;
    Supervised server(redis, 3);
    const std::set<pid_t> before = server.workers();
    REQUIRE(before.size() == 3);
    Clients clients;
    connect(clients, server.port(), "old", 12);
    const std::vector<pid_t> served_by = serving(clients, server.port(), before);
    const pid_t victim = served_by.front();
    REQUIRE(victim != 0);
    Clients survivors, orphans;
    for (std::size_t i = 0; i < clients.size(); ++i)
        (served_by[i] == victim ? orphans : survivors).push_back(std::move(clients[i]));
    REQUIRE(!survivors.empty());

    REQUIRE(kill(victim, SIGKILL) == 0);
    // Its clients' connections end with it.
    for (auto& orphan : orphans) CHECK(orphan->socket().receive_until_close(3000).has_value());
    std::set<pid_t> after;
    CHECK(eventually([&] {
        after = server.workers();
        return after.size() == 3 && !after.contains(victim);
    }));
    INFO("stderr: " << server.err());
    CHECK(std::regex_match(server.line_about(victim),
                           std::regex("wirechat: worker [123] \\(pid " + std::to_string(victim) +
                                      "\\) was killed by signal 9 \\(Killed\\); starting it again")));
    pid_t restarted = 0;
    for (pid_t pid : after)
        if (!before.contains(pid)) restarted = pid;
    REQUIRE(restarted != 0);
    // It is counted from its fork: it listens a moment later.
    CHECK(eventually([&] { return listening_on(server.port(), after) == after; }));

    // New clients, until one is the restarted worker's (each has one chance
    // in three): it is a node of the same chat as the old ones.
    Clients newcomers;
    for (int i = 0; i < 40; ++i) {
        newcomers.push_back(chat_client(server.port(), "new" + std::to_string(i)));
        if (serving(*newcomers.back(), server.port(), after) == restarted) break;
    }
    REQUIRE(serving(*newcomers.back(), server.port(), after) == restarted);
    Clients everyone;
    for (auto& c : survivors) everyone.push_back(std::move(c));
    for (auto& c : newcomers) everyone.push_back(std::move(c));
    everyone_hears(*everyone.back(), "from the new worker", everyone);
    everyone_hears(*everyone.front(), "from an old one", everyone);
}

TEST_CASE("a worker that keeps dying is started again later each time") {
    RedisServer redis;
    Supervised server(redis, 2);
    const std::set<pid_t> before = server.workers();
    REQUIRE(before.size() == 2);
    // The first death is answered at once...
    const pid_t first = *before.begin();
    REQUIRE(kill(first, SIGKILL) == 0);
    pid_t second = 0;
    REQUIRE(eventually([&] {
        for (pid_t pid : server.workers())
            if (!before.contains(pid)) second = pid;
        return second != 0;
    }, 3000));
    // ...the second in a row, soon after its start, only after a second.
    REQUIRE(kill(second, SIGKILL) == 0);
    const auto killed = Clock::now();
    CHECK(eventually([&] { return server.workers().size() == 1; }, 1000));
    CHECK(eventually([&] { return server.workers().size() == 2; }, 3000));
    CHECK(Clock::now() - killed >= std::chrono::seconds(1));
    INFO("stderr: " << server.err());
    const std::string number = server.line_about(first).substr(0, 20);  // "wirechat: worker N ("
    CHECK(std::regex_match(number, std::regex("wirechat: worker [12] \\(")));
    CHECK(server.line_about(first) ==
          number + "pid " + std::to_string(first) + ") was killed by signal 9 (Killed); starting it again");
    // The same worker, its number kept.
    CHECK(server.line_about(second) ==
          number + "pid " + std::to_string(second) + ") was killed by signal 9 (Killed); starting it again in 1 s");
}

TEST_CASE("SIGTERM to the supervisor shuts every worker down gracefully") {
    RedisServer redis;
    Supervised server(redis, 3);
    const std::set<pid_t> workers = server.workers();
    REQUIRE(workers.size() == 3);
    Clients clients;
    connect(clients, server.port(), "user", 9);
    std::set<pid_t> serving_some;
    for (pid_t worker : serving(clients, server.port(), workers)) serving_some.insert(worker);
    CHECK(serving_some.size() >= 2);

    REQUIRE(kill(server.pid(), SIGTERM) == 0);
    for (auto& client : clients) {
        REQUIRE(client->wait_closed());
        CHECK(client->close_code == 1001);  // going away, from whichever worker
    }
    // Our FINs end the workers' lingering closes: nothing keeps them then,
    // and they exit by themselves, well before the supervisor's bound.
    clients.clear();
    CHECK(server.process().terminate(5000) == 0);
    INFO("stderr: " << server.err());
    CHECK(server.err().find("killing it") == std::string::npos);
    // Gone already, not merely dying: the supervisor waited for them (had it
    // just left, PR_SET_PDEATHSIG would stop them too, but later).
    for (pid_t pid : workers) CHECK_FALSE(alive(pid));
    CHECK_THROWS(Socket(server.port()));  // nobody listens any more
}

TEST_CASE("stdout is the supervisor's one line, and SIGINT stops every worker too") {
    RedisServer redis;
    std::vector<std::string> args = {WIRECHAT_BINARY, "--host", "127.0.0.1", "--port", "0", "--web",
                                     harness::web_dir(), "--workers", "2", "--redis", redis.url()};
    if (const char* arg = std::getenv("WIRECHAT_SERVER_ARG"); arg && *arg) args.emplace_back(arg);
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(out[1], STDOUT_FILENO);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    // Everything written on our end of its stdout, until end of file or
    // `until` is in it, within 10 s.
    std::string output;
    const auto read_until = [&](std::string_view until) {
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        char buffer[512];
        while (until.empty() || output.find(until) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            pollfd p{out[0], POLLIN, 0};
            if (left <= 0 || poll(&p, 1, int(left)) <= 0) return false;
            const ssize_t n = read(out[0], buffer, sizeof buffer);
            if (n <= 0) return until.empty();
            output.append(buffer, std::size_t(n));
        }
        return true;
    };
    const bool started = read_until("\n");
    const std::set<pid_t> workers = children_of(pid);
    kill(pid, SIGINT);
    const bool closed = read_until("");
    close(out[0]);
    int status = -1;
    if (!closed) kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    REQUIRE(started);
    CHECK(workers.size() == 2);
    CHECK(closed);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const auto colon = output.rfind(':');
    REQUIRE(colon != std::string::npos);
    CHECK(output == "listening on http://127.0.0.1:" + std::to_string(std::atoi(output.c_str() + colon + 1)) + "\n");
    for (pid_t worker : workers) CHECK_FALSE(alive(worker));
}

TEST_CASE("with workers, a port in use is one line and exit status 1, as for one process") {
    RedisServer redis;
    ServerProcess other;
    const auto in_use = harness::run_to_exit({"--host", "127.0.0.1", "--port", std::to_string(other.port()),
                                              "--web", harness::web_dir(), "--workers", "2", "--redis", redis.url()});
    CHECK(in_use.status == 1);
    CHECK(in_use.output == "wirechat: cannot listen on 127.0.0.1:" + std::to_string(other.port()) +
                               ": bind: Address already in use\n");
    // So is a port whose listeners would take newcomers (--reuse-port), but
    // only for a wirechat started without --reuse-port itself.
    ServerProcess sharing({"--reuse-port"});
    const auto shared = harness::run_to_exit({"--host", "127.0.0.1", "--port", std::to_string(sharing.port()),
                                              "--web", harness::web_dir(), "--workers", "2", "--redis", redis.url()});
    CHECK(shared.status == 1);
}
