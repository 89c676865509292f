#pragma once
// What a WAGMIOS host accepts in the arguments of a write, checked before a confirmation is
// asked: a yes must never end in "that argument is invalid". The rules are the server's own
// (../shared/reference/wagmios-api.md, "Create container" and "Marketplace create"). Each
// function returns why a value is refused, in words for the chat, or nothing when it is fine.
#include <optional>
#include <string>
#include <string_view>

namespace wagbot::core {

/// A container's name for `run --name`: `^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`.
std::optional<std::string> bad_container_name(std::string_view name);
/// An image reference: `^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,254}$`.
std::optional<std::string> bad_image(std::string_view image);
/// A port number 1–65535, optionally followed by `/tcp` or `/udp` when `protocol_allowed`.
std::optional<std::string> bad_port(std::string_view port, bool protocol_allowed = true);
/// An environment variable of a container: `^[A-Za-z_][A-Za-z0-9_]*$`, no CR, LF or NUL in
/// its value.
std::optional<std::string> bad_env(std::string_view key, std::string_view value);
/// An environment setting of a marketplace app: `^[A-Z_][A-Z0-9_]*$`, same value rule.
std::optional<std::string> bad_app_setting(std::string_view key, std::string_view value);
/// A marketplace app id, or an install's project name: `^[a-z0-9][a-z0-9-]{0,62}$`.
std::optional<std::string> bad_app_id(std::string_view id, std::string_view what = "app id");
/// Where a volume is mounted in the container: an absolute path without `..`.
std::optional<std::string> bad_volume_target(std::string_view path);

/// What the server would turn `name` into (lower case, runs of other characters → `-`):
/// offered when a project name is refused.
std::string slug(std::string_view name);

}  // namespace wagbot::core
