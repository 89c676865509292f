#include "wagbot/app/observability.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "wagbot/net/http_client.hpp"

namespace wagbot::app {

net::served observe_endpoint(std::string_view target, core::metrics& m, const readiness& ready,
                             bool stopping) {
  const auto path = target.substr(0, target.find('?'));
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/readyz") {
    // Ready means commands are taken: every configured transport connected, not stopping.
    bool all = !stopping;
    std::string body;
    for (const auto& [name, connected, degraded] : ready) {
      all = all && connected;
      body += name + (connected ? ": connected" : ": not connected");
      body += degraded.empty() ? "\n" : " (degraded: " + degraded + ")\n";
    }
    if (stopping) body += "stopping\n";
    return {all ? 200 : 503, "text/plain; charset=utf-8", (all ? "ready\n" : "not ready\n") + body};
  }
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", m.render()};
  return {404, "text/plain; charset=utf-8", "not found; try /healthz, /readyz or /metrics\n"};
}

void collect_process(core::metrics& m, double start_time) {
  m.set("process_start_time_seconds", {}, start_time);
  const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (std::ifstream statm("/proc/self/statm"); statm) {
    double size = 0, resident = 0;
    if (statm >> size >> resident) m.set("process_resident_memory_bytes", {}, resident * page);
  }
  if (std::ifstream stat("/proc/self/stat"); stat) {
    // Fields 14 and 15 (utime, stime) follow the command name, which is in parentheses and
    // may itself contain spaces.
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(line.substr(close + 2));
      std::string field;
      double utime = 0, stime = 0;
      for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
      }
      m.set("process_cpu_seconds_total", {},
            (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK)));
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  if (!ec) m.set("process_open_fds", {}, static_cast<double>(fds));
}

int health_check(const config& cfg, bool ready) {
  if (!cfg.observability.enabled()) {
    std::cerr << "wagbot: " << cfg.path.string()
              << " has no observability.listen, so there is nothing to ask; add e.g.\n"
                 "  observability:\n    listen: 127.0.0.1:9464\n";
    return 2;
  }
  if (cfg.observability.port == 0) {
    std::cerr << "wagbot: observability.listen has port 0 (any free port); give it a fixed port to "
                 "use `wagbot health`\n";
    return 2;
  }
  // A wildcard listen address is asked on loopback.
  std::string address = cfg.observability.address;
  if (address == "0.0.0.0") address = "127.0.0.1";
  if (address == "::") address = "::1";
  const auto host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  const auto base = net::parse_url("http://" + host + ":" + std::to_string(cfg.observability.port));
  if (!base) {
    std::cerr << "wagbot: cannot make a URL of observability.listen\n";
    return 2;
  }
  boost::asio::io_context io;
  net::http_client http(io.get_executor(), "wagbot-health");
  net::http_request req;
  req.target = ready ? "/readyz" : "/healthz";
  req.timeout = std::chrono::seconds(3);
  const net::tls_options plain;
  auto answer = boost::asio::co_spawn(io, http.send(*base, plain, req), boost::asio::use_future);
  io.run();
  auto response = answer.get();
  if (!response) {
    std::cerr << "wagbot: no answer from " << host << ":" << cfg.observability.port << req.target
              << ": " << response.error().message() << "\n";
    return 1;
  }
  std::cout << response->body;
  return response->status == 200 ? 0 : 1;
}

}  // namespace wagbot::app
