#include "wagbot/core/arguments.hpp"

#include <algorithm>
#include <cctype>

namespace wagbot::core {

namespace {
bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool upper_or_digit(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
std::string quoted(std::string_view text) {
  return "`" + std::string(text.substr(0, 80)) + (text.size() > 80 ? "…" : "") + "`";
}
std::optional<std::string> bad_value(std::string_view key, std::string_view value) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return "the value of " + quoted(key) + " holds a line break or NUL, which the host refuses.";
  return std::nullopt;
}
/// A NAME=value pair: the name made of `allowed` characters and `_`, not starting with a digit.
std::optional<std::string> bad_setting(std::string_view key, std::string_view value,
                                       bool (*allowed)(char), std::string_view why) {
  const bool ok =
      !key.empty() && !(key.front() >= '0' && key.front() <= '9') &&
      std::all_of(key.begin(), key.end(), [&](char c) { return allowed(c) || c == '_'; });
  if (!ok) return quoted(key) + std::string(why);
  return bad_value(key, value);
}
}  // namespace

std::optional<std::string> bad_container_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 128 && alnum(name.front()) &&
                  std::all_of(name.begin(), name.end(),
                              [](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
  if (ok) return std::nullopt;
  return quoted(name) +
         " is not a container name the host accepts: letters, digits, `_`, `.` and `-`, "
         "starting with a letter or digit, at most 128 characters.";
}

std::optional<std::string> bad_image(std::string_view image) {
  const bool ok =
      !image.empty() && image.size() <= 255 && alnum(image.front()) &&
      std::all_of(image.begin(), image.end(), [](char c) {
        return alnum(c) || std::string_view("._:@/+-").find(c) != std::string_view::npos;
      });
  if (ok) return std::nullopt;
  return quoted(image) +
         " is not an image reference, e.g. `nginx:alpine` or `ghcr.io/org/app:1.2`.";
}

std::optional<std::string> bad_port(std::string_view port, bool protocol_allowed) {
  auto number = port;
  if (protocol_allowed && (number.ends_with("/tcp") || number.ends_with("/udp")))
    number.remove_suffix(4);
  long value = 0;
  const bool digits =
      !number.empty() && number.size() <= 5 &&
      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits)
    for (char c : number) value = value * 10 + (c - '0');
  if (digits && value >= 1 && value <= 65535) return std::nullopt;
  return quoted(port) + " is not a port: a number from 1 to 65535" +
         (protocol_allowed ? ", optionally with `/tcp` or `/udp`." : ".");
}

std::optional<std::string> bad_env(std::string_view key, std::string_view value) {
  return bad_setting(key, value, alnum,
                     " is not a variable name the host accepts: letters, digits and `_`, not "
                     "starting with a digit.");
}

std::optional<std::string> bad_app_setting(std::string_view key, std::string_view value) {
  return bad_setting(key, value, upper_or_digit,
                     " is not a setting name an app accepts: capital letters, digits and `_`, "
                     "e.g. `TZ` or `PLEX_CLAIM`.");
}

std::optional<std::string> bad_app_id(std::string_view id, std::string_view what) {
  const bool ok =
      !id.empty() && id.size() <= 63 && lower_alnum(id.front()) &&
      std::all_of(id.begin(), id.end(), [](char c) { return lower_alnum(c) || c == '-'; });
  if (ok) return std::nullopt;
  std::string why = quoted(id) + " is not a valid " + std::string(what) +
                    ": lower-case letters, digits and `-`, at most 63 characters";
  const auto suggestion = slug(id);
  if (!suggestion.empty() && suggestion != id) why += " (`" + suggestion + "` would do)";
  return why + ".";
}

std::optional<std::string> bad_volume_target(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return quoted(path) + " is not an absolute path in the container, e.g. `/data`.";
  for (std::size_t at = 0; at != std::string_view::npos;) {
    const auto next = path.find('/', at + 1);
    if (path.substr(at + 1, next == std::string_view::npos ? next : next - at - 1) == "..")
      return quoted(path) + " climbs out with `..`; give the path inside the container plainly.";
    at = next;
  }
  return bad_value(path, path);
}

std::string slug(std::string_view name) {
  std::string out;
  for (char c : name) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower_alnum(l))
      out += l;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.substr(0, 63);
}

}  // namespace wagbot::core
