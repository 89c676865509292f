#pragma once
// A uniquely named directory under the system temp dir, removed with everything in it.
#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

namespace wagbot::store::test {

/// Created on construction, removed recursively on destruction.
class temp_dir {
 public:
  temp_dir() {
    std::random_device random;
    const auto name = "wagbot-store-" + std::to_string(::getpid()) + "-" +
                      std::to_string(random()) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// The directory itself.
  const std::filesystem::path& path() const { return path_; }

  /// A path inside the directory.
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace wagbot::store::test
