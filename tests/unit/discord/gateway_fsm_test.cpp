#include "wagbot/discord/gateway_fsm.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using wagbot::discord::gateway_action;
using wagbot::discord::gateway_fsm;
using wagbot::discord::gateway_fsm_options;
using wagbot::discord::gateway_step;
using clock_type = gateway_fsm::clock;

namespace {
const auto t0 = clock_type::time_point{} + 1h;

/// A machine that fetched its URL and is connected at t0, not yet past Hello.
gateway_fsm connected_fsm(gateway_fsm_options options = {}) {
  gateway_fsm fsm(options, {}, 7);
  REQUIRE(fsm.start().step == gateway_step::fetch_url);
  REQUIRE(fsm.on_gateway_url("wss://gateway.discord.gg").step == gateway_step::connect);
  fsm.on_connected(t0);
  return fsm;
}

/// Hello then READY with sequence 1: a live session.
void reach_ready(gateway_fsm& fsm) {
  REQUIRE(fsm.on_hello(41250ms).step == gateway_step::identify);
  fsm.on_dispatch(1);
  fsm.on_ready("session-1", "wss://resume.discord.gg");
}
}  // namespace

TEST_CASE("gateway_fsm: a fresh start identifies; after a drop it resumes on the resume URL") {
  auto fsm = connected_fsm();
  const auto hello = fsm.on_hello(40000ms);
  CHECK(hello.step == gateway_step::identify);
  CHECK(hello.heartbeat_interval == 40000ms);
  CHECK(hello.delay >= 0ms);
  CHECK(hello.delay < 40000ms);  // the first beat is jittered within one interval
  fsm.on_dispatch(1);
  fsm.on_ready("session-1", "wss://resume.discord.gg");
  CHECK(fsm.ready());
  fsm.on_dispatch(5);
  fsm.on_dispatch(std::nullopt);  // a payload without `s` keeps the last one
  CHECK(fsm.seq() == 5);

  const auto closed = fsm.on_closed(0, t0 + 1s);  // TCP dropped, no close frame
  CHECK(closed.step == gateway_step::sleep);
  CHECK_FALSE(fsm.ready());
  CHECK(fsm.reconnects() == 1);
  CHECK(fsm.on_woken().step == gateway_step::connect);
  CHECK(fsm.url() == "wss://resume.discord.gg");
  fsm.on_connected(t0 + 2s);
  CHECK(fsm.on_hello(40000ms).step == gateway_step::resume);
  CHECK(fsm.session_id() == "session-1");
  CHECK(fsm.seq() == 5);
  fsm.on_resumed();
  CHECK(fsm.ready());
  CHECK(fsm.identifies() == 1);
  CHECK(fsm.resumes() == 1);
}

TEST_CASE("gateway_fsm: a heartbeat without an ACK makes a zombie, dropped and resumed") {
  auto fsm = connected_fsm();
  reach_ready(fsm);
  CHECK(fsm.on_heartbeat_due().step == gateway_step::heartbeat);
  CHECK(fsm.on_heartbeat_ack().step == gateway_step::read);
  CHECK(fsm.on_heartbeat_due().step == gateway_step::heartbeat);  // ACKed: beat again
  CHECK(fsm.on_heartbeat_due().step == gateway_step::drop);       // no ACK since: zombie
  CHECK(fsm.on_closed(0, t0 + 90s).step == gateway_step::sleep);
  CHECK(fsm.on_woken().step == gateway_step::connect);
  fsm.on_connected(t0 + 91s);
  CHECK(fsm.on_heartbeat_due().step == gateway_step::heartbeat);  // a new link starts ACKed
  CHECK(fsm.on_hello(41250ms).step == gateway_step::resume);
}

TEST_CASE("gateway_fsm: Discord's op 1 is answered at once, op 7 resumes") {
  auto fsm = connected_fsm();
  reach_ready(fsm);
  CHECK(fsm.on_heartbeat_request().step == gateway_step::heartbeat);
  CHECK(fsm.on_reconnect_request().step == gateway_step::drop);
  fsm.on_closed(0, t0 + 5s);
  fsm.on_woken();
  fsm.on_connected(t0 + 6s);
  CHECK(fsm.on_hello(41250ms).step == gateway_step::resume);
}

TEST_CASE("gateway_fsm: op 9 resumable resumes; not resumable waits 1-5 s and identifies") {
  SUBCASE("resumable") {
    auto fsm = connected_fsm();
    reach_ready(fsm);
    CHECK(fsm.on_invalid_session(true).step == gateway_step::drop);
    fsm.on_closed(0, t0 + 5s);
    fsm.on_woken();
    fsm.on_connected(t0 + 6s);
    CHECK(fsm.on_hello(41250ms).step == gateway_step::resume);
  }
  SUBCASE("not resumable") {
    gateway_fsm_options slow;
    slow.backoff.initial = 20s;  // so a backoff draw could not pass for op 9's own wait
    slow.backoff.max = 60s;
    auto fsm = connected_fsm(slow);
    reach_ready(fsm);
    CHECK(fsm.on_invalid_session(false).step == gateway_step::drop);
    CHECK(fsm.session_id().empty());
    CHECK_FALSE(fsm.seq());
    const auto wait = fsm.on_closed(0, t0 + 5s);
    CHECK(wait.step == gateway_step::sleep);
    CHECK(wait.delay >= 1000ms);
    CHECK(wait.delay <= 5000ms);
    fsm.on_woken();
    CHECK(fsm.url() == "wss://gateway.discord.gg");  // a new session: not the resume URL
    fsm.on_connected(t0 + 10s);
    CHECK(fsm.on_hello(41250ms).step == gateway_step::identify);
    CHECK(fsm.identifies() == 2);
  }
}

TEST_CASE("gateway_fsm: fatal close codes stop with exit code 5; others resume or start over") {
  for (std::uint16_t code : {4004, 4010, 4011, 4012, 4013, 4014}) {
    CAPTURE(code);
    auto fsm = connected_fsm();
    reach_ready(fsm);
    const auto a = fsm.on_closed(code, t0 + 1s);
    CHECK(a.step == gateway_step::stop);
    CHECK(a.exit_code == wagbot::discord::exit_gateway_fatal);
  }
  for (std::uint16_t code : {4003, 4007, 4009}) {
    CAPTURE(code);
    auto fsm = connected_fsm();
    reach_ready(fsm);
    CHECK(fsm.on_closed(code, t0 + 1s).step == gateway_step::sleep);
    fsm.on_woken();
    fsm.on_connected(t0 + 3s);
    CHECK(fsm.on_hello(41250ms).step == gateway_step::identify);
  }
  auto fsm = connected_fsm();
  reach_ready(fsm);
  CHECK(fsm.on_closed(4000, t0 + 1s).step == gateway_step::sleep);
  fsm.on_woken();
  fsm.on_connected(t0 + 3s);
  CHECK(fsm.on_hello(41250ms).step == gateway_step::resume);
}

TEST_CASE("gateway_fsm: failed connects back off; a connection that lived starts it over") {
  gateway_fsm_options fixed;
  fixed.backoff.jitter = 0.0;  // whole steps, so the schedule reads plainly
  auto fsm = connected_fsm(fixed);
  // Dropped before Hello (and so before READY): not lived, the waits grow.
  CHECK(fsm.on_closed(0, t0 + 1s).delay == 1000ms);
  CHECK(fsm.on_connect_failed().delay == 2000ms);
  CHECK(fsm.on_connect_failed().delay == 4000ms);
  // Hello but no READY, gone within 30 s: still not lived.
  fsm.on_connected(t0 + 10s);
  fsm.on_hello(41250ms);
  CHECK(fsm.on_closed(0, t0 + 20s).delay == 8000ms);
  // READY reached: the next wait is the first step again.
  fsm.on_connected(t0 + 30s);
  reach_ready(fsm);
  CHECK(fsm.on_closed(0, t0 + 31s).delay == 1000ms);
  CHECK(fsm.on_connect_failed().delay == 2000ms);
  // Hello and more than 30 s up, even without READY, also counts as lived.
  fsm.on_connected(t0 + 100s);
  fsm.on_hello(41250ms);
  CHECK(fsm.on_closed(0, t0 + 131s).delay == 1000ms);
  CHECK(fsm.reconnects() == 7);
}

TEST_CASE("gateway_fsm: stop and fail end the run with their exit codes") {
  SUBCASE("stop during a connection") {
    auto fsm = connected_fsm();
    reach_ready(fsm);
    fsm.on_stop();
    const auto a = fsm.on_closed(1000, t0 + 1s);
    CHECK(a.step == gateway_step::stop);
    CHECK(a.exit_code == 0);
    CHECK(fsm.reconnects() == 0);
  }
  SUBCASE("stop during a wait") {
    auto fsm = connected_fsm();
    fsm.on_connect_failed();
    fsm.on_stop();
    CHECK(fsm.on_woken().step == gateway_step::stop);
  }
  SUBCASE("fail wins over a stop after it") {
    auto fsm = connected_fsm();
    fsm.on_fail(7);
    fsm.on_stop();
    const auto a = fsm.on_closed(0, t0 + 1s);
    CHECK(a.step == gateway_step::stop);
    CHECK(a.exit_code == 7);
  }
  SUBCASE("GET /gateway/bot refused for good (401)") {
    gateway_fsm fsm({}, {}, 1);
    fsm.start();
    const auto a = fsm.on_gateway_url_failed(true);
    CHECK(a.step == gateway_step::stop);
    CHECK(a.exit_code == wagbot::discord::exit_gateway_fatal);
  }
  SUBCASE("GET /gateway/bot failing otherwise is retried after a wait") {
    gateway_fsm fsm({}, {}, 1);
    fsm.start();
    const auto a = fsm.on_gateway_url_failed(false);
    CHECK(a.step == gateway_step::sleep);
    CHECK(a.delay > 0ms);
    CHECK(fsm.on_woken().step == gateway_step::fetch_url);
  }
}
