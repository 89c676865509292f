#include "wagbot/matrix/sync_fsm.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using wagbot::matrix::sync_action;
using wagbot::matrix::sync_cause;
using wagbot::matrix::sync_fsm;
using wagbot::matrix::sync_fsm_options;
using wagbot::matrix::sync_step;
namespace pm = wagbot::protocol::matrix;

namespace {
const auto sync_t0 = sync_fsm::clock::time_point{} + 1h;

wagbot::error sync_failure(int status, std::string errcode = "", std::int64_t retry_after_ms = 0) {
  wagbot::error e;
  e.http_status = status;
  e.kind = wagbot::kind_of_status(status);
  e.code = std::move(errcode);
  e.message = "boom";
  e.retry_after_ms = retry_after_ms;
  return e;
}
const wagbot::error refused = sync_failure(0);
const wagbot::error bad_gateway = sync_failure(502);
const wagbot::error unknown_token = sync_failure(401, "M_UNKNOWN_TOKEN");

sync_fsm_options plain_options() {
  sync_fsm_options o;
  o.long_poll = 30s;
  o.backoff.jitter = 0.0;  // whole steps, so the schedule reads plainly
  return o;
}
}  // namespace

TEST_CASE("sync_fsm: a sync connects, a failure disconnects, the next sync counts a reconnect") {
  sync_fsm fsm(plain_options(), 1);
  CHECK_FALSE(fsm.connected());
  CHECK(fsm.sync_timeout(true) == 0ms);  // not connected yet: answer at once
  CHECK(fsm.on_sync_ok().step == sync_step::go);
  CHECK(fsm.connected());
  CHECK(fsm.just_connected());
  CHECK(fsm.reconnects() == 0);  // the first connection is not a reconnect
  CHECK(fsm.sync_timeout(true) == 30s);
  CHECK(fsm.sync_timeout(false) == 0ms);  // no position yet: only learn where "now" is
  fsm.on_sync_ok();
  CHECK_FALSE(fsm.just_connected());

  const auto a = fsm.on_sync_failed(refused);
  CHECK(a.step == sync_step::wait);
  CHECK(a.cause == sync_cause::failed);
  CHECK_FALSE(fsm.connected());
  CHECK(fsm.sync_timeout(true) == 0ms);
  fsm.on_sync_failed(bad_gateway);
  fsm.on_sync_ok();
  CHECK(fsm.just_connected());
  CHECK(fsm.reconnects() == 1);
}

TEST_CASE("sync_fsm: transient failures back off, and a successful sync starts the backoff over") {
  sync_fsm fsm(plain_options(), 1);
  fsm.on_sync_ok();
  CHECK(fsm.on_sync_failed(refused).delay == 1000ms);
  CHECK(fsm.on_sync_failed(bad_gateway).delay == 2000ms);
  CHECK(fsm.on_sync_failed(refused).delay == 4000ms);
  for (int i = 0; i < 10; ++i) fsm.on_sync_failed(refused);
  CHECK(fsm.on_sync_failed(refused).delay == 60s);  // capped
  fsm.on_sync_ok();
  CHECK(fsm.on_sync_failed(refused).delay == 1000ms);
}

TEST_CASE("sync_fsm: a 429 waits what the server asks, at least half a second, and is counted") {
  sync_fsm fsm(plain_options(), 1);
  fsm.on_sync_ok();
  const auto a = fsm.on_sync_failed(sync_failure(429, "M_LIMIT_EXCEEDED", 7000));
  CHECK(a.step == sync_step::wait);
  CHECK(a.cause == sync_cause::rate_limited);
  CHECK(a.delay == 7000ms);
  CHECK(fsm.on_sync_failed(sync_failure(429, "M_LIMIT_EXCEEDED", 10)).delay == 500ms);
  CHECK(fsm.rate_limited() == 2);
  CHECK_FALSE(fsm.connected());
}

TEST_CASE("sync_fsm: a rejected token exits 3 without a password, and logs in again with one") {
  SUBCASE("no password") {
    sync_fsm fsm(plain_options(), 1);
    fsm.on_sync_ok();
    const auto a = fsm.on_sync_failed(unknown_token);
    CHECK(a.step == sync_step::exit);
    CHECK(a.exit_code == 3);
    CHECK(a.cause == sync_cause::bad_token);
  }
  SUBCASE("a password") {
    auto options = plain_options();
    options.can_relogin = true;
    sync_fsm fsm(options, 1);
    fsm.on_sync_ok();
    CHECK(fsm.on_sync_failed(sync_failure(401)).step == sync_step::relogin);
    CHECK(fsm.on_relogin(0).step == sync_step::go);
    const auto failed = fsm.on_relogin(4);
    CHECK(failed.step == sync_step::exit);
    CHECK(failed.exit_code == 4);
  }
  SUBCASE("during the filter upload") {
    sync_fsm fsm(plain_options(), 1);
    CHECK(fsm.on_filter_failed(refused).step == sync_step::wait);
    const auto a = fsm.on_filter_failed(unknown_token);
    CHECK(a.step == sync_step::exit);
    CHECK(a.exit_code == 3);
  }
}

TEST_CASE("sync_fsm: at start, an unreachable homeserver is waited for a minute, then exit 4") {
  sync_fsm fsm(plain_options(), 1);
  fsm.begin_probe(sync_t0);
  auto a = fsm.on_probe_failed(refused, sync_t0 + 1s);
  CHECK(a.step == sync_step::wait);
  CHECK(a.delay == 1000ms);
  CHECK(fsm.on_probe_failed(bad_gateway, sync_t0 + 59s).step == sync_step::wait);
  a = fsm.on_probe_failed(refused, sync_t0 + 60s);
  CHECK(a.step == sync_step::exit);
  CHECK(a.exit_code == 4);
  CHECK(a.cause == sync_cause::unreachable);
  CHECK(fsm.on_probe_answer(true).step == sync_step::go);
}

TEST_CASE("sync_fsm: at start, something that is not a Matrix homeserver is exit 4 at once") {
  sync_fsm fsm(plain_options(), 1);
  fsm.begin_probe(sync_t0);
  auto a = fsm.on_probe_failed(sync_failure(404), sync_t0 + 1s);
  CHECK(a.step == sync_step::exit);
  CHECK(a.exit_code == 4);
  CHECK(a.cause == sync_cause::not_matrix);
  a = fsm.on_probe_answer(false);  // a 200 without `versions`
  CHECK(a.step == sync_step::exit);
  CHECK(a.cause == sync_cause::not_matrix);
}

TEST_CASE("sync_fsm: after stop, every outcome ends the run with 0") {
  sync_fsm fsm(plain_options(), 1);
  fsm.on_sync_ok();
  fsm.on_stop();
  for (const auto& a :
       {fsm.on_sync_ok(), fsm.on_sync_failed(refused), fsm.on_sync_failed(unknown_token),
        fsm.on_filter_failed(refused), fsm.on_relogin(0)}) {
    CHECK(a.step == sync_step::exit);
    CHECK(a.exit_code == 0);
  }
  CHECK(fsm.connected());  // a stop is not a disconnection
}
