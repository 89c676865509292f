#include "wagbot/core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace wagbot::core {

namespace {

// Seconds; WAGMIOS answers in milliseconds, pulls and marketplace starts in minutes.
const std::vector<double> latency_bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                         1,     2.5,  5,     10,   30,  120,  300};

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

/// Prometheus text escaping: backslash and newline, and the double quote in label values
/// (`quotes`), not in HELP lines.
std::string escaped(std::string_view s, bool quotes) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '\n' || (quotes && c == '"')) out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

std::string escape_value(std::string_view s) {
  return escaped(s, true);
}

std::string escape_help(std::string_view s) {
  return escaped(s, false);
}

// `{a="1"}` + extra label → `{a="1",le="0.5"}`.
std::string with_label(const std::string& set, const std::string& name, const std::string& value) {
  const auto extra = name + "=\"" + value + "\"";
  if (set.empty()) return "{" + extra + "}";
  return set.substr(0, set.size() - 1) + "," + extra + "}";
}

}  // namespace

std::string render_labels(const metric_labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += name + "=\"" + escape_value(value) + "\"";
  }
  return out + "}";
}

metrics::metrics() {
  const auto declare = [this](const char* name, kind type, const char* help,
                              std::vector<double> bounds = {}) {
    families_.emplace(name, family{type, help, std::move(bounds), {}});
  };
  declare("wagbot_build_info", kind::gauge, "wagbot's version (the value is always 1).");
  declare(
      "wagbot_commands_total", kind::counter,
      "Commands handled, by command and outcome (ok, error, confirm = waiting for a confirmation, "
      "usage = not understood).");
  declare("wagbot_confirmations_total", kind::counter,
          "Confirmations resolved, by outcome (confirmed, cancelled, expired).");
  declare("wagbot_wagmios_request_duration_seconds", kind::histogram,
          "Time WAGMIOS hosts took to answer, by host and purpose (command or alerts).",
          latency_bounds);
  declare("wagbot_wagmios_errors_total", kind::counter,
          "WAGMIOS requests that failed, by host and cause (unreachable, timeout, http, "
          "bad_response).");
  declare("wagbot_send_queue_depth", kind::gauge,
          "Chat messages queued but not yet accepted, by network.");
  declare("wagbot_rate_limited_total", kind::counter, "429 answers received from a chat network.");
  declare(
      "wagbot_reconnects_total", kind::counter,
      "Times a chat transport connected again after losing its link (sync failure, gateway drop).");
  declare("wagbot_transport_connected", kind::gauge, "1 when the chat transport is connected.");
  declare("wagbot_undecryptable_events_total", kind::counter,
          "Encrypted Matrix events the bot could not decrypt (no room key, untrusted device).");
  declare("wagbot_alerts_sent_total", kind::counter,
          "Alerts posted to rooms and channels, by network.");
  declare("wagbot_host_reachable", kind::gauge,
          "1 when the last poll of a watched host succeeded.");
  declare("wagbot_confirmations_pending", kind::gauge, "Confirmations waiting for an answer.");
  declare("process_resident_memory_bytes", kind::gauge, "Resident memory size in bytes.");
  declare("process_cpu_seconds_total", kind::counter,
          "User and system CPU time spent, in seconds.");
  declare("process_start_time_seconds", kind::gauge,
          "Start time of the process since the epoch, in seconds.");
  declare("process_open_fds", kind::gauge, "Open file descriptors.");
}

metrics::series& metrics::at(std::string_view name, kind expected, const metric_labels& labels) {
  auto f = families_.find(name);
  if (f == families_.end() || f->second.type != expected)
    throw std::logic_error(fmt::format("metric {} is not declared with that type", name));
  auto& s = f->second.by_labels[render_labels(labels)];
  if (expected == kind::histogram && s.bucket.empty()) s.bucket.assign(f->second.bounds.size(), 0);
  return s;
}

void metrics::add(std::string_view family, const metric_labels& labels, double by) {
  at(family, kind::counter, labels).value += by;
}

void metrics::set(std::string_view name, const metric_labels& labels, double value) {
  auto f = families_.find(name);
  const auto type = f == families_.end() ? kind::gauge : f->second.type;
  at(name, type == kind::counter ? kind::counter : kind::gauge, labels).value = value;
}

void metrics::observe(std::string_view name, const metric_labels& labels, double value) {
  auto& s = at(name, kind::histogram, labels);
  const auto& bounds = families_.find(name)->second.bounds;
  const auto slot = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  if (static_cast<std::size_t>(slot) < s.bucket.size()) ++s.bucket[slot];
  s.value += value;
  ++s.count;
}

void metrics::on_collect(std::function<void(metrics&)> collector) {
  collectors_.push_back(std::move(collector));
}

double metrics::value(std::string_view name, const metric_labels& labels) const {
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.by_labels.find(render_labels(labels));
  if (s == f->second.by_labels.end()) return 0;
  return f->second.type == kind::histogram ? static_cast<double>(s->second.count) : s->second.value;
}

std::string metrics::render() {
  for (const auto& collect : collectors_) collect(*this);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.by_labels.empty()) continue;
    static constexpr const char* type_names[] = {"counter", "gauge", "histogram"};
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(f.help), name,
                       type_names[static_cast<int>(f.type)]);
    for (const auto& [labels, s] : f.by_labels) {
      if (f.type != kind::histogram) {
        out += name + labels + " " + number(s.value) + "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += s.bucket[i];
        out += name + "_bucket" + with_label(labels, "le", number(f.bounds[i])) + " " +
               number(cumulative) + "\n";
      }
      out += name + "_bucket" + with_label(labels, "le", "+Inf") + " " + number(s.count) + "\n";
      out += name + "_sum" + labels + " " + number(s.value) + "\n";
      out += name + "_count" + labels + " " + number(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace wagbot::core
