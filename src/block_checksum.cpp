#include "block_checksum.hpp"

#include <cstring>

namespace remaster {
namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;  // 2^64 / golden ratio, odd

uint64_t load(const uint8_t* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

uint64_t mix(uint64_t lane, uint64_t word) {
    lane = (lane ^ word) * kMul;
    return lane ^ (lane >> 29);
}

// The finalizer of MurmurHash3: every input bit reaches every output bit.
uint64_t avalanche(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 33);
}

}  // namespace

bool all_zero(const uint8_t* data, size_t size) {
    size_t i = 0;
    for (; i + 32 <= size; i += 32)
        if ((load(data + i) | load(data + i + 8) | load(data + i + 16) | load(data + i + 24)) != 0) return false;
    for (; i < size; ++i)
        if (data[i]) return false;
    return true;
}

uint32_t block_checksum(const uint8_t* data, size_t size) {
    uint64_t a = 1, b = 2, c = 3, d = 4;
    size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        a = mix(a, load(data + i));
        b = mix(b, load(data + i + 8));
        c = mix(c, load(data + i + 16));
        d = mix(d, load(data + i + 24));
    }
    for (; i + 8 <= size; i += 8) a = mix(a, load(data + i));
    uint64_t last = 0;
    std::memcpy(&last, data + i, size - i);
    a = mix(a, last);
    const uint64_t h = avalanche(a ^ (b * 3) ^ (c * 5) ^ (d * 7) ^ (size * kMul));
    return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace remaster
