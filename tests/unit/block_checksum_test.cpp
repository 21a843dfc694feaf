// The block pipeline's hole test and dedup checksum.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "block_checksum.hpp"

using namespace remaster;

TEST_CASE("all_zero finds a single set bit anywhere, at any length", "[squash]") {
    for (size_t size : {0u, 1u, 7u, 31u, 32u, 33u, 4096u, 131072u}) {
        std::vector<uint8_t> b(size, 0);
        INFO(size);
        CHECK(all_zero(b.data(), size));
        for (size_t at : {size_t{0}, size / 2, size - 1}) {
            if (size == 0) break;
            b[at] = 0x80;
            CHECK_FALSE(all_zero(b.data(), size));
            b[at] = 0;
        }
    }
}

TEST_CASE("block_checksum is the same for the same bytes and changes with any one of them", "[squash]") {
    std::mt19937 rng(42);
    std::vector<uint8_t> b(131072);
    for (auto& c : b) c = static_cast<uint8_t>(rng());
    const uint32_t sum = block_checksum(b.data(), b.size());
    CHECK(block_checksum(b.data(), b.size()) == sum);
    std::set<uint32_t> seen{sum};
    for (size_t at : {size_t{0}, size_t{7}, size_t{8}, size_t{31}, size_t{65536}, b.size() - 1}) {
        b[at] ^= 1;
        seen.insert(block_checksum(b.data(), b.size()));
        b[at] ^= 1;
    }
    CHECK(seen.size() == 7);
    // Length counts: zeros of different lengths differ.
    std::vector<uint8_t> z(100, 0);
    CHECK(block_checksum(z.data(), 99) != block_checksum(z.data(), 100));
    CHECK(block_checksum(z.data(), 0) != block_checksum(z.data(), 1));
}
