#include "wagbot/app/planner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/planner.hpp"

namespace wagbot::app {

namespace asio = boost::asio;
using core::chat_reply;
using core::tone;

planner::planner(net::http_client& http, const planner_config& cfg, core::logger log)
    : cfg_(cfg),
      log_(std::move(log)),
      client_(http, llm::endpoint{cfg.base, cfg.tls, cfg.api_key,
                                  std::chrono::seconds(cfg.timeout_seconds)}) {}

asio::awaitable<boost::system::result<model_plan, error>> planner::ask(
    const std::string& text, const std::vector<core::host_words>& hosts, const core::grammar& g) {
  using outcome = boost::system::result<model_plan, error>;
  const auto body = core::planner_request(cfg_.model, text, hosts, g);
  auto answer = co_await client_.complete(body);
  if (!answer) {
    log_.warn("the model at {} {}", cfg_.base.origin(), answer.error().message);
    co_return outcome(boost::system::in_place_error, answer.error());
  }
  model_plan out;
  if (answer->tool_calls.empty()) {
    out.words = core::model_words(answer->content);
    log_.info("the model answered in words ({} characters)", out.words.size());
    co_return outcome(boost::system::in_place_value, std::move(out));
  }
  auto planned = core::plan_from_calls(answer->tool_calls, g, hosts,
                                       static_cast<std::size_t>(cfg_.max_actions));
  if (!planned.refusal.empty()) {
    log_.warn("the model's plan was refused: {}", planned.refusal);
    out.refusal = std::move(planned.refusal);
    co_return outcome(boost::system::in_place_value, std::move(out));
  }
  for (auto& act : planned.actions) {
    act.planned = true;
    out.actions.push_back(std::move(act));
  }
  log_.info("the model planned {} action(s)", out.actions.size());
  co_return outcome(boost::system::in_place_value, std::move(out));
}

asio::awaitable<chat_reply> planner::answer(dispatcher& d, const requester& who,
                                            const std::string& text,
                                            const std::vector<core::host_words>& hosts,
                                            const core::parse_error& usage) {
  auto plan = co_await ask(text, hosts, d.grammar());
  if (!plan) {
    // The bot goes on as if there were no model: the line gets its usage help.
    auto r = usage_reply(usage);
    const auto why = "(The planner could not help: the model " + plan.error().message + ".)";
    r.blocks.insert(r.blocks.begin(), core::block{core::block::kind::text, why, {}, {}});
    co_return r;
  }
  if (!plan->refusal.empty()) {
    auto r = core::error_reply("I did not run the model's suggestion: " + plan->refusal +
                               ". Nothing was done.");
    r.error_code = core::reply_code::planner_refused;
    co_return r;
  }
  if (plan->actions.empty()) {
    if (plan->words.empty()) {
      auto r = usage_reply(usage);
      r.blocks.insert(
          r.blocks.begin(),
          core::block{core::block::kind::text, "(The model had no suggestion either.)", {}, {}});
      co_return r;
    }
    auto r =
        core::say(tone::info, "🤖 The model answered (its words, not a command; nothing was run):");
    r.text(plan->words);
    r.error_code = core::reply_code::ambiguous;
    co_return r;
  }

  std::string lines;
  for (const auto& act : plan->actions)
    lines += (lines.empty() ? "`" : "; `") + core::command_line(act) + "`";
  chat_reply out;
  out.text("🤖 The model read this as: " + lines + ".");
  // Each action runs as the command it stands for, in order, with the requester's own key.
  for (const auto& act : plan->actions) {
    auto r = co_await d.run(who, act);
    if (out.confirmation_id.empty()) out.confirmation_id = r.confirmation_id;
    if (r.mood == tone::error || (r.mood == tone::warning && out.mood != tone::error))
      out.mood = r.mood;
    else if (out.blocks.size() == 1)
      out.mood = r.mood;
    for (auto& b : r.blocks) out.blocks.push_back(std::move(b));
    for (auto& m : r.mentions) out.mentions.push_back(m);
    if (out.error_code == core::reply_code::none) out.error_code = r.error_code;
    if (r.is_private) out.is_private = true;
  }
  co_return out;
}

boost::system::result<model_plan, error> ask_once(const planner_config& cfg,
                                                  const std::string& text,
                                                  const std::vector<core::host_words>& hosts,
                                                  const core::grammar& g, core::logger log) {
  asio::io_context io;
  net::http_client http(io.get_executor(), "wagbot/" WAGBOT_VERSION);
  planner p(http, cfg, std::move(log));
  std::optional<boost::system::result<model_plan, error>> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await p.ask(text, hosts, g); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  if (!out) return error{errc::bad_response, "", "gave no answer"};
  return std::move(*out);
}

}  // namespace wagbot::app
