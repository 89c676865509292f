#pragma once
// Returning freed heap pages to the kernel, so an idle wagbot stays small (bench/idle_rss).
#include <chrono>

namespace wagbot::app {

/// After start-up (first /sync, READY and GUILD_CREATE, command registration) most of what
/// was allocated is free again; the first trim comes this long after `run` starts.
inline constexpr std::chrono::seconds first_memory_trim{10};
/// Then again this often: a burst of commands leaves free chunks the same way.
inline constexpr std::chrono::seconds memory_trim_interval{60};

/// Gives every whole free page of the heap back to the kernel (glibc `malloc_trim`: also the
/// free chunks in the middle of the heap, which the automatic trim of its top leaves
/// resident); returns the resident kilobytes released. Takes tens of microseconds for a
/// heap of a few megabytes.
long release_free_memory();

}  // namespace wagbot::app
