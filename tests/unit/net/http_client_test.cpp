#include "wagbot/net/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

using namespace wagbot::net;
namespace asio = boost::asio;

TEST_SUITE("net") {
  TEST_CASE("transport errors are sorted into what a user is told") {
    // Beast reports its own deadline; outside net/ it must read as a plain timeout.
    CHECK(classify(boost::beast::error::timeout) == failure::timeout);
    CHECK(classify(asio::error::timed_out) == failure::timeout);
    CHECK(classify(asio::error::connection_refused) == failure::refused);
    CHECK(classify(asio::error::host_not_found) == failure::name_not_found);
    CHECK(classify(asio::error::host_not_found_try_again) == failure::name_not_found);
    CHECK(classify(asio::ssl::error::stream_truncated) == failure::tls);
    CHECK(classify(boost::system::error_code(336130315, asio::error::get_ssl_category())) ==
          failure::tls);
    CHECK(classify(asio::error::connection_reset) == failure::other);
  }
}
