#include <catch2/catch.hpp>

#include "bytes.hpp"
#include "error.hpp"

using namespace remaster;

TEST_CASE("sizes take binary suffixes") {
    CHECK(parse_bytes("131072") == 131072);
    CHECK(parse_bytes("128K") == 131072);
    CHECK(parse_bytes("128KiB") == 131072);
    CHECK(parse_bytes("1m") == 1048576);
    CHECK(parse_bytes("8G") == 8ull << 30);
    CHECK_THROWS_AS(parse_bytes("big"), Error);
    CHECK_THROWS_AS(parse_bytes("12Q"), Error);
    CHECK_THROWS_AS(parse_bytes(""), Error);
    CHECK_THROWS_AS(parse_bytes("99999999999999999999T"), Error);
}
