#pragma once
// The numbered schema migrations of the state database. Migration i (0-based) is version i + 1.
#include <span>
#include <string_view>

namespace wagbot::store {

/// Every migration in order; append new ones at the end, never edit or reorder an old one.
std::span<const std::string_view> migrations();

}  // namespace wagbot::store
