#pragma once
// The numbers wagbot keeps about itself, rendered in the Prometheus text format (0.0.4) for
// the `/metrics` endpoint. Every family is declared once in metrics.cpp with its type and
// help; recording into an undeclared family is a programming error (it throws).
//
// Parts that keep their own counters (the Discord REST client's 429s, the Matrix outbox
// depth…) are read at scrape time by collectors, so the lower layers need not know about
// this registry. No I/O here; the caller owns the clock.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wagbot::core {

/// Label name/value pairs, in the order they are written.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

class metrics {
 public:
  metrics();

  /// Adds `by` to a counter.
  void add(std::string_view family, const metric_labels& labels = {}, double by = 1);
  /// Sets a gauge, or a counter whose total is kept elsewhere (read by a collector).
  void set(std::string_view family, const metric_labels& labels, double value);
  /// Records one observation in a histogram.
  void observe(std::string_view family, const metric_labels& labels, double value);

  /// Runs before every render, to copy in numbers kept by other parts.
  void on_collect(std::function<void(metrics&)> collector);

  /// The whole registry in Prometheus text format; runs the collectors first.
  std::string render();

  /// A counter's or gauge's value (0 when never recorded); a histogram's observation count.
  double value(std::string_view family, const metric_labels& labels = {}) const;

 private:
  enum class kind { counter, gauge, histogram };
  struct series {
    double value = 0;                   ///< counter/gauge value; histogram sum
    std::uint64_t count = 0;            ///< histogram observations
    std::vector<std::uint64_t> bucket;  ///< histogram: per upper bound, not cumulative
  };
  struct family {
    kind type;
    std::string help;
    std::vector<double> bounds;               ///< histogram upper bounds, ascending
    std::map<std::string, series> by_labels;  ///< key: rendered label set ("{a=\"b\"}")
  };
  series& at(std::string_view name, kind expected, const metric_labels& labels);

  std::map<std::string, family, std::less<>> families_;
  std::vector<std::function<void(metrics&)>> collectors_;
};

/// `{name="value",…}` with Prometheus escaping, or "" for no labels.
std::string render_labels(const metric_labels& labels);

}  // namespace wagbot::core
