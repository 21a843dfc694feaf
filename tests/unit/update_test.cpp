// remaster update, the parts without a network or a stick: the "newer
// snapshot" rule, the strict parsing of what a server sends, the pinned
// key's signature check, the URL check, and the stick's snapshot.info made
// from the server's.
#include <catch2/catch.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <vector>

#include "checksum.hpp"
#include "error.hpp"
#include "public_key.hpp"
#include "remote_snapshot.hpp"
#include "signing_key.hpp"
#include "update_rule.hpp"
#include "update_url.hpp"

using namespace remaster;

namespace {

using V = UpdateDecision::Verdict;

const std::string kSys = "0123456789abcdef";

SnapshotInfo stick(const std::string& id, const std::string& system = kSys) {
    return SnapshotInfo{id, {{"system", system}, {"layers", id}}};
}

SnapshotInfo server(const std::string& id, const std::string& system = kSys) {
    return SnapshotInfo{id, {{"id", id}, {"system", system}, {"medium", "netboot"}}};
}

V verdict(const std::string& stick_id, const std::string& server_id) {
    return decide_update(stick(stick_id), server(server_id)).verdict;
}

// An Ed25519 key pair made with libcrypto: signs, and gives the one-line public key.
struct TestKey {
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey{nullptr, &EVP_PKEY_free};
    TestKey() {
        std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                   &EVP_PKEY_CTX_free);
        EVP_PKEY* k = nullptr;
        REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
        REQUIRE(EVP_PKEY_keygen(ctx.get(), &k) == 1);
        pkey.reset(k);
    }
    std::string sign(const std::string& data) const {
        std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
        std::string sig(64, '\0');
        size_t len = sig.size();
        REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1);
        REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                               reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1);
        return sig;
    }
    std::string public_body() const {
        std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        REQUIRE(PEM_write_bio_PUBKEY(bio.get(), pkey.get()) == 1);
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio.get(), &data);
        return pem_body(std::string(data, static_cast<size_t>(n)));
    }
};

std::string sha256(const std::string& s) {
    Sha256 d;
    d.update(s.data(), s.size());
    return d.hex();
}

const std::string kInfo = "id=20261201-101500\nsystem=" + kSys + "\nkernel=6.1.0-13-amd64\nos=Debian\nmedium=netboot\nsigned=yes\n"
                          "layers=20261201-101500\n";

std::string sums_for(const std::string& info) {
    return std::string(64, 'a') + "  filesystem.squashfs\n" + std::string(64, 'b') + "  initrd.img\n" + sha256(info) +
           "  snapshot.info\n" + std::string(64, 'c') + "  vmlinuz\n";
}

// The message of the Error `f` throws ("" when it does not).
template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("update rule: a later id of the same system is newer") {
    CHECK(verdict("20261201-101500", "20261201-101501") == V::newer);
    CHECK(verdict("20261201-101500", "20261202-000000") == V::newer);
    CHECK(verdict("20261231-235959", "20270101-000000") == V::newer);
    const auto d = decide_update(stick("20261201-101500"), server("20261201-101501"));
    CHECK(d.reason.find("20261201-101501") != std::string::npos);
}

TEST_CASE("update rule: equal or older is up to date") {
    CHECK(verdict("20261201-101500", "20261201-101500") == V::up_to_date);
    CHECK(verdict("20261201-101500", "20261130-235959") == V::up_to_date);
    CHECK(verdict("20261201-101500-3", "20261201-101500-2") == V::up_to_date);
}

TEST_CASE("update rule: the -N suffix counts as a number, none as 1") {
    CHECK(verdict("20261201-101500-2", "20261201-101500-10") == V::newer);
    CHECK(verdict("20261201-101500-10", "20261201-101500-2") == V::up_to_date);
    CHECK(verdict("20261201-101500", "20261201-101500-2") == V::newer);
    CHECK(verdict("20261201-101500-2", "20261201-101500") == V::up_to_date);
    CHECK(verdict("20261201-101500-1", "20261201-101500") == V::up_to_date);  // -1 is the same as none
    CHECK(compare_snapshot_ids("20261201-101500-99999999999999999999", "20261201-101500-5") > 0);
    CHECK(compare_snapshot_ids("20261201-101501", "20261201-101500-99") > 0);
}

TEST_CASE("update rule: another system is refused, naming both") {
    const auto d = decide_update(stick("20261201-101500"), server("20261202-101500", "fedcba9876543210"));
    CHECK(d.verdict == V::other_system);
    CHECK(d.reason.find("fedcba9876543210") != std::string::npos);
    CHECK(d.reason.find(kSys) != std::string::npos);
    // Even an older one of another system: another system is what the user must hear.
    CHECK(decide_update(stick("20261201-101500"), server("20261101-101500", "fedcba9876543210")).verdict ==
          V::other_system);
}

TEST_CASE("update rule: malformed or empty fields are refused") {
    for (const std::string& bad : std::vector<std::string>{"", "2026120-101500", "20261201101500", "20261201-101500-", "20261201-101500-x",
                                  "../20261201-101500", "20261201-101500\n", " 20261201-101500"})
        CHECK(verdict("20261201-101500", bad) == V::malformed);
    CHECK(decide_update(stick("20261201-101500"), server("20261202-101500", "")).verdict == V::malformed);
    CHECK(decide_update(stick("20261201-101500"), server("20261202-101500", "0123456789ABCDEF")).verdict == V::malformed);
    CHECK(decide_update(stick("20261201-101500"), server("20261202-101500", "0123")).verdict == V::malformed);
    CHECK(decide_update(stick("20261201-101500", ""), server("20261202-101500")).verdict == V::malformed);
    SnapshotInfo no_id = server("20261202-101500");
    no_id.fields.erase("id");
    CHECK(decide_update(stick("20261201-101500"), no_id).verdict == V::malformed);
}

TEST_CASE("remote SHA256SUMS: the exact format, plain names, each once") {
    const auto sums = parse_remote_sums(sums_for(kInfo));
    CHECK(sums.size() == 4);
    CHECK(sums.at("vmlinuz") == std::string(64, 'c'));
    CHECK(parse_remote_sums("").empty());
    const std::string h(64, 'a');
    for (const std::string& bad : std::vector<std::string>{
             h + " vmlinuz", h + "  ../x", h + "  a/b", h + "  ..", h + "  .", h + "   vmlinuz", h + "  vmlinuz ",
          std::string(64, 'A') + "  vmlinuz", std::string(63, 'a') + "  vmlinuz", h + "  vmlinuz\r", h + "  vm linuz",
          h + "  " + std::string(300, 'x'), std::string("\0", 1) + h.substr(1) + "  vmlinuz", h + std::string("  vml\0inuz", 10),
          std::string(100000, 'a'), "garbage", h + "  *vmlinuz"}) {
        INFO(bad.substr(0, 80));
        CHECK_THROWS_AS(parse_remote_sums(bad + "\n"), Error);
    }
    CHECK(error_of([&] { parse_remote_sums(h + "  vmlinuz\n" + h + "  vmlinuz\n"); }).find("twice") != std::string::npos);
}

TEST_CASE("remote snapshot.info: KEY=value lines, printable values, each key once") {
    const SnapshotInfo i = parse_remote_info(kInfo);
    CHECK(i.id == "20261201-101500");
    CHECK(i.get("kernel") == "6.1.0-13-amd64");
    CHECK(parse_remote_info("os=Debian GNU/Linux 12 (bookworm)\nkernel_args=a=b c\n").get("kernel_args") == "a=b c");
    CHECK(parse_remote_info("os=Débian\n").get("os") == "Débian");  // UTF-8 is text
    CHECK(parse_remote_info("").id.empty());  // missing fields: the rule refuses, not the parser
    for (const std::string& bad : std::vector<std::string>{"noequals", "=value", "Key=x", "a b=c", "os=a\tb", "os=a\rb", "os=a\x1b[2Jb",
                                  std::string("os=a\0b", 6), "os=" + std::string(5000, 'x'), "id=1\nid=2",
                                  "../x=y", "k\x7f=v"}) {
        INFO(bad.substr(0, 80));
        CHECK_THROWS_AS(parse_remote_info(bad + "\n"), Error);
    }
    CHECK(error_of([] { parse_remote_info("id=1\nid=2\n"); }).find("'id' twice") != std::string::npos);
}

TEST_CASE("public key: the one-line body of the PEM, Ed25519 only") {
    const TestKey k;
    const std::string body = k.public_body();
    CHECK(body.find('\n') == std::string::npos);
    CHECK(body.find("BEGIN") == std::string::npos);
    CHECK_NOTHROW(PublicKey::from_base64(body));
    CHECK_THROWS_AS(PublicKey::from_base64(""), Error);
    CHECK_THROWS_AS(PublicKey::from_base64("not base64!"), Error);
    CHECK_THROWS_AS(PublicKey::from_base64("AAAA"), Error);
    CHECK_THROWS_AS(PublicKey::from_base64(body + "\n"), Error);
    CHECK_THROWS_AS(PublicKey::from_base64(std::string(10000, 'A')), Error);
    // An RSA key is a public key, but not the kind that signs netboot directories.
    std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr), &EVP_PKEY_CTX_free);
    EVP_PKEY* rsa = nullptr;
    REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 1024) == 1);
    REQUIRE(EVP_PKEY_keygen(ctx.get(), &rsa) == 1);
    std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), rsa) == 1);
    EVP_PKEY_free(rsa);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    CHECK(error_of([&] { PublicKey::from_base64(pem_body(std::string(data, static_cast<size_t>(n)))); })
              .find("not an Ed25519 key") != std::string::npos);
}

TEST_CASE("signature: good, changed, other key, wrong length") {
    const TestKey k, other;
    const PublicKey pub = PublicKey::from_base64(k.public_body());
    const std::string data = sums_for(kInfo);
    const std::string sig = k.sign(data);
    CHECK(pub.verifies(data, sig));
    CHECK_FALSE(pub.verifies(data + "x", sig));
    std::string flipped = sig;
    flipped[10] ^= 1;
    CHECK_FALSE(pub.verifies(data, flipped));
    CHECK_FALSE(pub.verifies(data, other.sign(data)));
    CHECK_FALSE(pub.verifies(data, sig.substr(0, 63)));
    CHECK_FALSE(pub.verifies(data, sig + "x"));
    CHECK_FALSE(pub.verifies(data, ""));
}

TEST_CASE("check_remote_snapshot: the signature first, then snapshot.info against SHA256SUMS") {
    const TestKey k, other;
    const PublicKey pub = PublicKey::from_base64(k.public_body());
    const std::string url = "http://127.0.0.1:8080/live/";
    const std::string sums = sums_for(kInfo);
    const RemoteSnapshot r = check_remote_snapshot(kInfo, sums, k.sign(sums), pub, url);
    CHECK(r.info.id == "20261201-101500");
    CHECK(r.sums.at("filesystem.squashfs") == std::string(64, 'a'));

    CHECK(error_of([&] { check_remote_snapshot(kInfo, sums, other.sign(sums), pub, url); })
              .find("does not verify with the key the stick pins") != std::string::npos);
    // A malformed SHA256SUMS with a bad signature: the signature is what is reported.
    CHECK(error_of([&] { check_remote_snapshot(kInfo, "garbage", other.sign("garbage"), pub, url); })
              .find("does not verify") != std::string::npos);
    const std::string changed = kInfo + "kernel_args=init=/bin/sh\n";
    CHECK(error_of([&] { check_remote_snapshot(changed, sums, k.sign(sums), pub, url); })
              .find("does not match its SHA-256") != std::string::npos);
    const std::string no_info = std::string(64, 'a') + "  filesystem.squashfs\n" + std::string(64, 'b') + "  initrd.img\n" +
                                std::string(64, 'c') + "  vmlinuz\n";
    CHECK(error_of([&] { check_remote_snapshot(kInfo, no_info, k.sign(no_info), pub, url); })
              .find("is not covered by the signature") != std::string::npos);
    const std::string no_kernel = sha256(kInfo) + "  snapshot.info\n" + std::string(64, 'a') + "  filesystem.squashfs\n" +
                                  std::string(64, 'b') + "  initrd.img\n";
    CHECK(error_of([&] { check_remote_snapshot(kInfo, no_kernel, k.sign(no_kernel), pub, url); })
              .find("does not list vmlinuz") != std::string::npos);
    // Signed but malformed: still refused.
    const std::string bad_info = "id=1\nid=2\n";
    const std::string bad_sums = sums_for(bad_info);
    CHECK_THROWS_AS(check_remote_snapshot(bad_info, bad_sums, k.sign(bad_sums), pub, url), Error);
}

TEST_CASE("update URL: http(s) with a host, a conservative character set, ending in /") {
    CHECK(checked_update_url("http://127.0.0.1:8080/live", "--from") == "http://127.0.0.1:8080/live/");
    CHECK(checked_update_url("https://example.org/", "--from") == "https://example.org/");
    CHECK(checked_update_url("http://host", "--from") == "http://host/");
    CHECK(checked_update_url("http://u@host:80/a/b%20c/", "--from") == "http://u@host:80/a/b%20c/");
    for (const std::string& bad : std::vector<std::string>{"", "ftp://host/", "file:///etc/", "HTTP://host/", "host/live", "http://", "http:///x",
                                  "http://:80/", "http://host/a b/", "http://host/a\"b", "http://host/a'b", "http://host/a\nb",
                                  "http://host/?x=1", "http://host/#f", "http://host/a\\b", "http://host/a`b",
                                  "http://host/" + std::string(3000, 'a'), "gopher://host/", "http://user@/x"}) {
        INFO(bad.substr(0, 80));
        CHECK_THROWS_AS(checked_update_url(bad, "--from"), Error);
    }
    CHECK(error_of([] { checked_update_url("ftp://h/", "--from"); }).find("--from: 'ftp://h/' is not an http:// or https:// URL") != std::string::npos);
}

TEST_CASE("the stick's snapshot.info for the server's snapshot") {
    SnapshotInfo remote = parse_remote_info(kInfo + "other_kernels=6.0\ninitramfs_inputs=abc\nparent=20261101-000000\n"
                                                    "update_url=http://evil/\nupdate_key=EVIL\nroot=/srv/r\n");
    SnapshotInfo previous = stick("20261101-000000");
    previous.fields["update_url"] = "http://127.0.0.1:8080/live/";
    previous.fields["update_key"] = "KEY";
    const SnapshotInfo i = stick_info_for(remote, "20261201-101500", previous);
    CHECK(i.id == "20261201-101500");
    CHECK(i.get("layers") == "20261201-101500");
    CHECK(i.get("system") == kSys);
    CHECK(i.get("kernel") == "6.1.0-13-amd64");
    CHECK(i.get("root") == "/srv/r");
    for (const char* gone : {"id", "medium", "signed", "parent", "other_kernels", "initramfs_inputs"}) {
        INFO(gone);
        CHECK(i.fields.count(gone) == 0);
    }
    CHECK(i.get("update_url") == "http://127.0.0.1:8080/live/");
    CHECK(i.get("update_key") == "KEY");
    // A stick snapshot without them gives none (the server's are never taken).
    const SnapshotInfo j = stick_info_for(remote, "20261201-101500", stick("20261101-000000"));
    CHECK(j.fields.count("update_url") == 0);
    CHECK(j.fields.count("update_key") == 0);
}
