// The natural-language corpus: each phrasing with the plan it must produce, or the clarifying
// question it must ask, or "not understood" (the usual help then answers).
#include "wagbot/core/intents.hpp"

#include <doctest/doctest.h>

#include "../support/grammar.hpp"

using namespace wagbot::core;
using wagbot::test::real_grammar;

namespace {
const std::vector<host_words> sentence_hosts = {{"nas", {"the nas", "storage box"}},
                                                {"media", {"media server", "the media box"}},
                                                {"pi", {"raspberry pi", "the pi"}}};

/// "restart nginx @nas; start db @nas", "?" (a question), "-" (not understood).
std::string plan(const std::string& text) {
  static const auto g = real_grammar();
  auto u = understand(text, sentence_hosts, g);
  if (!u) return "-";
  if (!u->question.empty()) return "?";
  std::string out;
  for (const auto& a : u->actions) {
    if (!out.empty()) out += "; ";
    out += a.command;
    for (const auto& arg : a.args) out += " " + arg;
    if (!a.host.empty()) out += " @" + a.host;
  }
  return out;
}

struct example {
  const char* text;
  const char* expected;
};

const example corpus[] = {
    // listing
    {"what's running on the nas?", "ps @nas"},
    {"What is running on the media server", "ps @media"},
    {"list containers on the pi", "ps @pi"},
    {"show containers", "ps"},
    {"which containers are on the storage box?", "ps @nas"},
    {"what containers do we have everywhere", "ps @all"},
    {"show me the containers on nas please", "ps @nas"},
    {"what's up on the raspberry pi", "ps @pi"},
    {"list images on the nas", "images @nas"},
    {"which images are on the media server?", "images @media"},
    // lifecycle
    {"restart nginx on the nas", "restart nginx @nas"},
    {"please restart the nginx container on the media server", "restart nginx @media"},
    {"Restart plex", "restart plex"},
    {"reboot the jellyfin container on the media box", "restart jellyfin @media"},
    {"bounce redis on nas", "restart redis @nas"},
    {"stop postgres on the nas", "stop postgres @nas"},
    {"shut down the minecraft server on the pi", "stop minecraft @pi"},
    {"kill transmission on the media server", "stop transmission @media"},
    {"start redis on the nas", "start redis @nas"},
    {"could you start the db container on the pi?", "start db @pi"},
    {"delete old-nginx on the nas", "rm old-nginx @nas"},
    {"remove the test container from the pi", "rm test @pi"},
    {"what's running on the toaster", "?"},
    {"get rid of scratch on the nas", "rm scratch @nas"},
    {"inspect nginx on the nas", "inspect nginx @nas"},
    {"tell me about jellyfin on the media server", "inspect jellyfin @media"},
    {"what's the status of homeassistant on the pi", "inspect homeassistant @pi"},
    // make sure … is running
    {"make sure nginx is running on the NAS", "start nginx @nas"},
    {"ensure pihole is up on the raspberry pi", "start pihole @pi"},
    {"make sure the plex container is running", "start plex"},
    // logs
    {"show logs of nginx on the nas", "logs nginx @nas"},
    {"logs for postgres on the nas", "logs postgres @nas"},
    {"show me nginx logs on the media server", "logs nginx @media"},
    {"get the last 20 lines of logs for redis on the nas", "logs redis 20 @nas"},
    {"tail the logs of jellyfin last 100 on the media server", "logs jellyfin 100 @media"},
    // images
    {"pull nginx:alpine on the nas", "pull nginx:alpine @nas"},
    {"download jellyfin/jellyfin:latest on the media server",
     "pull jellyfin/jellyfin:latest @media"},
    // apps
    {"what apps are there?", "apps"},
    {"show me media apps on the nas", "apps media @nas"},
    {"search the marketplace for password", "apps password"},
    {"install jellyfin on the media server", "install jellyfin @media"},
    {"set up uptime-kuma on the pi", "install uptime-kuma @pi"},
    {"install vaultwarden on the nas as vault", "install vaultwarden as vault @nas"},
    {"install jellyfin on the media server with tz=Europe/Paris",
     "install jellyfin TZ=Europe/Paris @media"},
    {"deploy homarr on the nas called dash", "install homarr as dash @nas"},
    // compound
    {"install jellyfin on the media server and make sure nginx is running on the NAS",
     "install jellyfin @media; start nginx @nas"},
    {"restart nginx and postgres on the nas", "restart nginx @nas; restart postgres @nas"},
    {"stop plex on the media server, then start jellyfin",
     "stop plex @media; start jellyfin @media"},
    {"restart redis on the nas and then show logs of redis", "restart redis @nas; logs redis @nas"},
    {"what's running on the nas and what's running on the pi", "ps @nas; ps @pi"},
    // ambiguous: a question, never a guess
    {"restart", "?"},
    {"stop the container on the nas", "?"},
    {"delete everything on the nas", "?"},
    {"stop all on the media server", "?"},
    {"restart nginx on the box", "?"},  // no host is called that: ask, do not ignore it
    {"make sure is running on the nas", "?"},
    {"pull on the nas", "?"},
    {"install on the pi", "?"},
    {"show logs on the nas", "?"},
    {"restart nginx on the nas and frobnicate the flux capacitor", "?"},
    {"restart nginx everywhere", "?"},  // restart goes to one host at a time
    {"restart nginx redis", "?"},       // a mistyped command is asked about, never guessed
    {"stop nginx now please", "stop nginx"},
    // not requests at all: the usual help answers
    {"hello there", "?"},  // a greeting back
    {"frobnicate the widgets", "-"},
    {"thanks!", "?"},  // a reply ("You're welcome."), not usage help
    {"the weather is nice", "-"},
    {"", "-"},
};
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("natural language: the corpus") {
    CHECK(std::size(corpus) >= 60);
    for (const auto& e : corpus) {
      INFO("phrase: " << std::string(e.text) << " → " << plan(e.text));
      CHECK(plan(e.text) == e.expected);
    }
  }

  TEST_CASE("natural language: a host word that matches two hosts asks which") {
    const std::vector<host_words> twins = {{"nas1", {"the nas"}}, {"nas2", {"the nas"}}};
    auto u = understand("restart nginx on the nas", twins, real_grammar());
    REQUIRE(u.has_value());
    CHECK(u->actions.empty());
    CHECK(u->question == "Which host do you mean: @nas1 or @nas2?");
  }
}

TEST_SUITE("core") {
  TEST_CASE("read_line: commands, sentences, questions and usage, in one order") {
    const auto g = real_grammar();
    int asked = 0;
    auto counted = [&] {
      ++asked;
      return sentence_hosts;
    };
    auto cmd = read_line("restart nginx @nas", counted, g);
    REQUIRE(cmd.command.has_value());
    CHECK(asked == 0);  // a plain command never lists (decrypts) the user's hosts

    // A command word with more around it is the sentence reader's: politeness is dropped,
    // words it cannot place are asked about, a missing argument keeps its usage help.
    auto polite = read_line("restart nginx please", counted, g);
    REQUIRE(polite.plan.has_value());
    REQUIRE(polite.plan->actions.size() == 1);
    CHECK(polite.plan->actions[0].args == std::vector<std::string>{"nginx"});
    CHECK(asked == 1);
    auto unsure = read_line("restart nginx postgres", counted, g);
    REQUIRE(unsure.plan.has_value());
    CHECK(unsure.plan->question.find("\"postgres\"") != std::string::npos);
    auto usage = read_line("logs", counted, g);
    REQUIRE(usage.error.has_value());
    CHECK(usage.error->message == "Missing <container>.");

    auto sentence = read_line("what's running on the nas?", counted, g);
    REQUIRE(sentence.plan.has_value());
    CHECK(sentence.plan->actions.size() == 1);
    CHECK(asked == 3);  // "logs" kept its usage help without asking for the hosts

    // A compound sentence is language first, even though `install` would swallow it.
    auto compound = read_line("install jellyfin on the media server and stop everything on the nas",
                              counted, g);
    REQUIRE(compound.plan.has_value());
    CHECK_FALSE(compound.plan->question.empty());

    auto nonsense = read_line("frobnicate the widgets", counted, g);
    REQUIRE(nonsense.error.has_value());
    CHECK(nonsense.error->message.find("Unknown command `frobnicate`") == 0);
  }
}
