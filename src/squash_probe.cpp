#include "squash_probe.hpp"

#include <sqfs/error.h>

#include <new>

#include "error.hpp"

namespace remaster {
namespace {

// zstd:1 must save at least 1/32 (3 %) of a block for the real compressor to
// get its turn.
constexpr sqfs_u32 kProbeMinGainShift = 5;

// The C object libsquashfs sees; `base` must stay the first member. It owns
// both compressors.
struct Probing {
    sqfs_compressor_t base;
    sqfs_compressor_t* real;
    sqfs_compressor_t* probe;
};

Probing* self(sqfs_compressor_t* c) { return reinterpret_cast<Probing*>(c); }
const Probing* self(const sqfs_compressor_t* c) { return reinterpret_cast<const Probing*>(c); }

sqfs_compressor_t* wrap(sqfs_compressor_t* real, sqfs_compressor_t* probe);

extern "C" void probing_destroy(sqfs_object_t* obj) {
    Probing* p = reinterpret_cast<Probing*>(obj);
    sqfs_destroy(p->real);
    sqfs_destroy(p->probe);
    delete p;
}

// Every block processor worker gets its own copy (compressors keep state).
extern "C" sqfs_object_t* probing_copy(const sqfs_object_t* obj) {
    const Probing* p = reinterpret_cast<const Probing*>(obj);
    auto* real = static_cast<sqfs_compressor_t*>(sqfs_copy(p->real));
    auto* probe = static_cast<sqfs_compressor_t*>(sqfs_copy(p->probe));
    sqfs_compressor_t* out = real && probe ? wrap(real, probe) : nullptr;
    if (!out) {
        sqfs_destroy(real);
        sqfs_destroy(probe);
        return nullptr;
    }
    return &out->base;
}

extern "C" void probing_get_configuration(const sqfs_compressor_t* c, sqfs_compressor_config_t* cfg) {
    const Probing* p = self(c);
    p->real->get_configuration(p->real, cfg);
}

extern "C" int probing_write_options(sqfs_compressor_t* c, sqfs_file_t* file) {
    Probing* p = self(c);
    return p->real->write_options(p->real, file);
}

extern "C" int probing_read_options(sqfs_compressor_t* c, sqfs_file_t* file) {
    Probing* p = self(c);
    return p->real->read_options(p->real, file);
}

// 0 means "store raw", as for any compressor that cannot shrink a block.
extern "C" sqfs_s32 probing_do_block(sqfs_compressor_t* c, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                                     sqfs_u32 outsize) {
    Probing* p = self(c);
    sqfs_s32 trial = p->probe->do_block(p->probe, in, size, out, outsize);
    if (trial < 0) return trial;
    if (trial == 0 || static_cast<sqfs_u32>(trial) > size - (size >> kProbeMinGainShift)) return 0;
    return p->real->do_block(p->real, in, size, out, outsize);
}

sqfs_compressor_t* wrap(sqfs_compressor_t* real, sqfs_compressor_t* probe) {
    Probing* p = new (std::nothrow) Probing{};
    if (!p) return nullptr;
    p->base.base.destroy = probing_destroy;
    p->base.base.copy = probing_copy;
    p->base.get_configuration = probing_get_configuration;
    p->base.write_options = probing_write_options;
    p->base.read_options = probing_read_options;
    p->base.do_block = probing_do_block;
    p->real = real;
    p->probe = probe;
    return &p->base;
}

}  // namespace

bool probe_pays(const std::string& compressor, int level) {
    // Measured on a Debian root (docs/speed.md): the probe costs about as
    // much CPU as zstd:1 does, about 1/10 of zstd:12's, and a tenth of a
    // system's data is already compressed. Level 0 is the compressor's
    // default, SQFS_ZSTD_DEFAULT_LEVEL for zstd.
    if (compressor == "zstd") return (level == 0 ? SQFS_ZSTD_DEFAULT_LEVEL : level) >= 12;
    return compressor == "xz";
}

SqfsPtr<sqfs_compressor_t> make_probing_compressor(SqfsPtr<sqfs_compressor_t> real, uint32_t block_size) {
    sqfs_compressor_config_t cfg;
    int ret = sqfs_compressor_config_init(&cfg, SQFS_COMP_ZSTD, block_size, 0);
    if (ret) throw_sqfs("configure the zstd probe compressor", ret);
    cfg.level = 1;
    sqfs_compressor_t* probe = nullptr;
    ret = sqfs_compressor_create(&cfg, &probe);
    if (ret) throw_sqfs("create the zstd probe compressor", ret);
    sqfs_compressor_t* wrapped = wrap(real.get(), probe);
    if (!wrapped) {
        sqfs_destroy(probe);
        throw std::bad_alloc();
    }
    real.release();  // owned by the wrapper now
    return SqfsPtr<sqfs_compressor_t>(wrapped);
}

}  // namespace remaster
