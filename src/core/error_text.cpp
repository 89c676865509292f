#include "wagbot/core/error_text.hpp"

#include "wagbot/core/docker_reason.hpp"
#include "wagbot/core/policy.hpp"

namespace wagbot::core {

std::string scope_from_message(std::string_view message) {
  const auto end = message.find(' ');
  auto word = std::string(message.substr(0, end));
  return word.find(':') != std::string::npos || word == "*" ? word : std::string{};
}

namespace {
chat_reply describe(const error& e, std::string_view host_alias);
}

chat_reply describe_error(const error& failure, std::string_view host_alias) {
  // A server may answer with a trace many lines long (a YAML error): its first line is enough.
  error e = failure;
  e.message = one_line(e.message);
  auto r = describe(e, host_alias);
  // The server's own code when wagbot knows it; otherwise (a transport failure, or a code the
  // reference does not document) the kind of failure.
  const auto server = e.code.empty() ? std::nullopt : parse_reply_code(e.code);
  r.error_code = server.value_or(reply_code_of(e.kind));
  return r;
}

reply_code reply_code_of(errc kind) {
  switch (kind) {
    case errc::ok:
      return reply_code::ok;
    case errc::host_unreachable:
      return reply_code::host_unreachable;
    case errc::timeout:
      return reply_code::timeout;
    case errc::tls_failure:
      return reply_code::tls_failure;
    case errc::bad_response:
      return reply_code::bad_response;
    case errc::rate_limited:
      return reply_code::rate_limited;
    case errc::unauthorized:
      return reply_code::unauthorized;
    case errc::scope_required:
      return reply_code::scope_required;
    case errc::forbidden:
      return reply_code::forbidden;
    case errc::not_found:
      return reply_code::not_found;
    case errc::invalid_input:
      return reply_code::invalid_input;
    case errc::server_error:
      return reply_code::server_error;
    case errc::still_running:
      return reply_code::still_running;
  }
  return reply_code::server_error;
}

namespace {
chat_reply describe(const error& e, std::string_view host_alias) {
  const std::string host = "@" + std::string(host_alias);
  const std::string code = e.code.empty() ? std::string{} : " (" + e.code + ")";
  switch (e.kind) {
    case errc::scope_required: {
      auto scope = scope_from_message(e.message);
      return error_reply(missing_scope_text(scope.empty() ? e.message : scope, host_alias));
    }
    case errc::unauthorized:
      if (e.code == "SETUP_REQUIRED")
        return error_reply("WAGMIOS on " + host +
                           " has no API key set up yet: finish its setup "
                           "wizard, then issue yourself a key.");
      return error_reply(host + " rejected your key" + code +
                         ". It may have been revoked or "
                         "rotated: issue a new one in WAGMIOS Settings and `key add " +
                         std::string(host_alias) + " <key>` in a direct chat with me.");
    case errc::rate_limited:
      return error_reply(host +
                         " is rate limiting your key (WAGMIOS allows 100 requests a "
                         "minute). Nothing was retried; try again in a minute.");
    case errc::host_unreachable:
      return error_reply(host + " is unreachable (" + e.message + "). Is WAGMIOS running there?");
    case errc::timeout:
      return error_reply(host + " did not answer in time. It may be overloaded or down.");
    case errc::tls_failure:
      return error_reply("Could not talk securely to " + host + ": " + e.message +
                         ". Check its certificate, `ca_file` or `pinned_sha256`.");
    case errc::bad_response:
      return error_reply(host + " answered with something that is not the WAGMIOS API (" +
                         e.message + "). Is the URL right, or is a proxy in the way?");
    case errc::forbidden:
      return error_reply(host + " refused: " + e.message + code + ".");
    case errc::not_found:
      return error_reply("Not found on " + host + ": " + e.message + code + ".");
    case errc::invalid_input:
      return error_reply(host + " rejected the request: " + e.message + code + ".");
    case errc::still_running:
      return say(tone::warning, "Still running on " + host + ": " + e.message +
                                    ". It goes on in the background; check again shortly.");
    case errc::server_error:
    case errc::ok:
      break;
  }
  return error_reply(host + " failed: " + e.message + code + ".");
}
}  // namespace

chat_reply usage_reply(const parse_error& error) {
  chat_reply r = error_reply(error.message);
  r.error_code = reply_code::invalid_request;
  if (!error.usage.empty()) r.code(error.usage);
  return r;
}

}  // namespace wagbot::core
