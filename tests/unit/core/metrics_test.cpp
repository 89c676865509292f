#include "wagbot/core/metrics.hpp"

#include <doctest/doctest.h>

#include "wagbot/app/observability.hpp"

using wagbot::core::metrics;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}
}  // namespace

TEST_CASE("counters render with HELP, TYPE and their labels") {
  metrics m;
  m.add("wagbot_commands_total", {{"command", "ps"}, {"outcome", "ok"}});
  m.add("wagbot_commands_total", {{"command", "ps"}, {"outcome", "ok"}});
  m.add("wagbot_commands_total", {{"command", "rm"}, {"outcome", "confirm"}});
  const auto text = m.render();
  CHECK(has_line(text, "# TYPE wagbot_commands_total counter"));
  CHECK(text.find("# HELP wagbot_commands_total Commands handled") != std::string::npos);
  CHECK(has_line(text, "wagbot_commands_total{command=\"ps\",outcome=\"ok\"} 2"));
  CHECK(has_line(text, "wagbot_commands_total{command=\"rm\",outcome=\"confirm\"} 1"));
  CHECK(m.value("wagbot_commands_total", {{"command", "ps"}, {"outcome", "ok"}}) == 2);
  // Families never recorded are left out rather than shown empty.
  CHECK(text.find("wagbot_alerts_sent_total") == std::string::npos);
}

TEST_CASE("histogram buckets are cumulative and end with +Inf, _sum and _count") {
  metrics m;
  const wagbot::core::metric_labels host{{"host", "nas"}, {"purpose", "command"}};
  m.observe("wagbot_wagmios_request_duration_seconds", host, 0.003);
  m.observe("wagbot_wagmios_request_duration_seconds", host, 0.02);
  m.observe("wagbot_wagmios_request_duration_seconds", host, 0.02);
  m.observe("wagbot_wagmios_request_duration_seconds", host, 1000);  // beyond every bound
  const auto text = m.render();
  const std::string name = "wagbot_wagmios_request_duration_seconds";
  CHECK(has_line(text, "# TYPE " + name + " histogram"));
  CHECK(has_line(text, name + "_bucket{host=\"nas\",purpose=\"command\",le=\"0.005\"} 1"));
  CHECK(has_line(text, name + "_bucket{host=\"nas\",purpose=\"command\",le=\"0.01\"} 1"));
  CHECK(has_line(text, name + "_bucket{host=\"nas\",purpose=\"command\",le=\"0.025\"} 3"));
  CHECK(has_line(text, name + "_bucket{host=\"nas\",purpose=\"command\",le=\"300\"} 3"));
  CHECK(has_line(text, name + "_bucket{host=\"nas\",purpose=\"command\",le=\"+Inf\"} 4"));
  CHECK(has_line(text, name + "_count{host=\"nas\",purpose=\"command\"} 4"));
  CHECK(has_line(text, name + "_sum{host=\"nas\",purpose=\"command\"} 1000.043"));
  // An observation equal to a bound falls in that bound's bucket (le = less or equal).
  metrics edge;
  edge.observe("wagbot_wagmios_request_duration_seconds", {}, 0.5);
  CHECK(has_line(edge.render(), name + "_bucket{le=\"0.5\"} 1"));
  CHECK(has_line(edge.render(), name + "_bucket{le=\"0.25\"} 0"));
}

TEST_CASE("label values are escaped") {
  metrics m;
  m.add("wagbot_commands_total", {{"command", "a\"b\\c\nd"}, {"outcome", "ok"}});
  CHECK(
      has_line(m.render(), "wagbot_commands_total{command=\"a\\\"b\\\\c\\nd\",outcome=\"ok\"} 1"));
}

TEST_CASE("recording into an undeclared family or with the wrong type is refused") {
  metrics m;
  CHECK_THROWS(m.add("wagbot_no_such_thing"));
  CHECK_THROWS(m.observe("wagbot_commands_total", {}, 1));
  CHECK_THROWS(m.add("wagbot_wagmios_request_duration_seconds"));
}

TEST_CASE("collectors run at every render and may set counters kept elsewhere") {
  metrics m;
  int runs = 0;
  m.on_collect([&runs](metrics& mm) {
    ++runs;
    mm.set("wagbot_rate_limited_total", {{"network", "discord"}}, 7.0 * runs);
    mm.set("wagbot_send_queue_depth", {{"network", "discord"}}, 2);
  });
  m.render();
  const auto text = m.render();
  CHECK(runs == 2);
  CHECK(has_line(text, "wagbot_rate_limited_total{network=\"discord\"} 14"));
  CHECK(has_line(text, "# TYPE wagbot_rate_limited_total counter"));
  CHECK(has_line(text, "wagbot_send_queue_depth{network=\"discord\"} 2"));
}

TEST_CASE("the endpoints: healthz always, readyz only with every transport connected") {
  metrics m;
  using wagbot::app::observe_endpoint;
  CHECK(observe_endpoint("/healthz", m, {{"matrix", false, ""}}, false).status == 200);
  auto r = observe_endpoint("/readyz", m, {{"matrix", true, ""}, {"discord", false, ""}}, false);
  CHECK(r.status == 503);
  CHECK(r.body.find("discord: not connected") != std::string::npos);
  CHECK(r.body.find("matrix: connected") != std::string::npos);
  CHECK(
      observe_endpoint("/readyz", m, {{"matrix", true, ""}, {"discord", true, ""}}, false).status ==
      200);
  CHECK(observe_endpoint("/readyz?verbose=1", m, {}, false).status == 200);
  // Degraded is still ready, but says why.
  r = observe_endpoint("/readyz", m, {{"matrix", true, "5 encrypted events failed"}}, false);
  CHECK(r.status == 200);
  CHECK(r.body.find("matrix: connected (degraded: 5 encrypted events failed)") !=
        std::string::npos);
  r = observe_endpoint("/readyz", m, {{"matrix", true, ""}}, true);
  CHECK(r.status == 503);
  CHECK(r.body.find("stopping") != std::string::npos);
  r = observe_endpoint("/metrics", m, {}, false);
  CHECK(r.status == 200);
  CHECK(r.content_type.find("version=0.0.4") != std::string::npos);
  CHECK(observe_endpoint("/", m, {}, false).status == 404);
}

TEST_CASE("process figures come from /proc") {
  metrics m;
  wagbot::app::collect_process(m, 1234.5);
  CHECK(m.value("process_resident_memory_bytes") > 1024 * 1024);
  CHECK(m.value("process_open_fds") >= 3);
  CHECK(m.value("process_start_time_seconds") == 1234.5);
}
