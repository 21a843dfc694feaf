#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "boot_install.hpp"
#include "cpio_newc.hpp"
#include "error.hpp"
#include "grub_script.hpp"
#include "medium.hpp"
#include "netboot_config.hpp"
#include "netboot_output.hpp"
#include "signing_key.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A fresh Ed25519 key in PEM, as `openssl genpkey -algorithm ed25519` writes it.
std::string ed25519_pem() {
    EVP_PKEY* key = nullptr;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    REQUIRE(ctx);
    REQUIRE(EVP_PKEY_keygen_init(ctx) == 1);
    REQUIRE(EVP_PKEY_keygen(ctx, &key) == 1);
    EVP_PKEY_CTX_free(ctx);
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(n));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

// What `openssl pkeyutl -verify -pubin -rawin` does at boot.
bool verifies(const std::string& public_pem, const std::string& data, const std::string& sig) {
    BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
    EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!pub) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pub) == 1 &&
                    EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pub);
    return ok;
}

}  // namespace

TEST_CASE("netboot kernel arguments: the URL, DHCP, the host's disks off, then the user's") {
    CHECK(netboot_kernel_args("http://s/nb/", "console=ttyS0") ==
          "root=remaster rd.remaster.url=http://s/nb/ ip=dhcp rd.neednet=1 noresume rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0 "
          "console=ttyS0");
    CHECK(netboot_kernel_args("U", "") == "root=remaster rd.remaster.url=U ip=dhcp rd.neednet=1 noresume rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0");
}

TEST_CASE("boot.ipxe loads the kernel and initramfs relative to itself and passes remaster-url") {
    const std::string s = ipxe_script("Debian\nGNU", "20261205-215317", "quiet");
    CHECK(s.rfind("#!ipxe\n", 0) == 0);
    CHECK(contains(s, "isset ${remaster-url} || set remaster-url http://${next-server}/\n"));
    CHECK(contains(s, "\nkernel vmlinuz initrd=initrd.img root=remaster rd.remaster.url=${remaster-url} ip=dhcp rd.neednet=1 "));
    CHECK(contains(s, " quiet\ninitrd initrd.img\nboot\n"));
    // A newline in the system's name cannot start an iPXE command.
    CHECK(contains(s, "Debian GNU"));
    CHECK_FALSE(contains(s, "Debian\nGNU"));
}

TEST_CASE("the GRUB netboot config loads over http from remaster_host and quotes the user's arguments") {
    const std::string s = grub_netboot_cfg("It's OS", "20261205-215317", "quiet x=\"a b\"");
    CHECK(contains(s, "if [ -z \"$remaster_host\" ]; then set remaster_host=\"$net_default_server\"; fi\n"));
    // A menu entry sees only exported variables: without this, the URL is empty.
    CHECK(contains(s, "\nexport remaster_host remaster_path\n"));
    CHECK(contains(s, "menuentry 'It'\\''s OS (network)' --id live {"));
    CHECK(contains(s, "\tlinux (http,$remaster_host)$remaster_path/vmlinuz root=remaster "
                      "rd.remaster.url=http://$remaster_host$remaster_path/ ip=dhcp rd.neednet=1 "));
    CHECK(contains(s, "\tinitrd (http,$remaster_host)$remaster_path/initrd.img\n"));
    CHECK(contains(s, " " + grub_kernel_args("quiet x=\"a b\"") + "\n"));
}

TEST_CASE("the netboot initramfs: dracut's network modules and the NIC drivers, and only for it") {
    const auto net = dracut_command("/v", "6.1", "/tmp/i", true, "network-legacy network").argv;
    const auto live = dracut_command("/v", "6.1", "/tmp/i", true).argv;
    auto after = [](const std::vector<std::string>& argv, const std::string& opt) {
        for (size_t i = 0; i + 1 < argv.size(); ++i)
            if (argv[i] == opt) return argv[i + 1];
        return std::string();
    };
    CHECK(after(net, "--add") == "remaster network-legacy network");
    CHECK(after(live, "--add") == "remaster");
    CHECK(contains(after(net, "--drivers"), " =drivers/net/ethernet virtio_net "));
    CHECK_FALSE(contains(after(live, "--drivers"), "virtio_net"));
}

TEST_CASE("a netboot directory's files are flat in it") {
    const NetbootDir d("/srv/nb", "20261205-215317");
    CHECK(d.snap().image() == "/srv/nb/filesystem.squashfs");
    CHECK(d.snap().sums() == "/srv/nb/SHA256SUMS");
    CHECK(d.signature() == "/srv/nb/SHA256SUMS.sig");
    CHECK(d.ipxe() == "/srv/nb/boot.ipxe");
    CHECK(d.grub_cfg() == "/srv/nb/grub.cfg");
    CHECK(NetbootDir::all_files().front() == "snapshot.info");
    CHECK(netboot_stage_path("/srv/nb") == "/srv/.nb.remaster-new");
}

TEST_CASE("newc cpio: headers, names and data padded to 4, a trailer") {
    const std::string a = newc_archive({{"etc", 0040755, ""}, {"etc/k", 0100644, "abcde"}});
    REQUIRE(a.size() % 4 == 0);
    CHECK(a.compare(0, 6, "070701") == 0);
    // The directory: ino 1, mode 040755, nlink 2, size 0, namesize 4.
    CHECK(a.substr(6, 8) == "00000001");
    CHECK(a.substr(14, 8) == "000041ED");
    CHECK(a.substr(38, 8) == "00000002");
    CHECK(a.substr(94, 8) == "00000004");
    CHECK(a.substr(110, 4) == std::string("etc\0", 4));
    // The file follows at 116 (110 + 4, padded to 4 = 116).
    CHECK(a.compare(116, 6, "070701") == 0);
    CHECK(a.substr(116 + 54, 8) == "00000005");
    CHECK(contains(a, std::string("etc/k\0", 6)));
    CHECK(contains(a, "abcde"));
    CHECK(contains(a, std::string("TRAILER!!!\0", 11)));
}

TEST_CASE("appending to an initramfs pads it to 4 bytes first") {
    TempDir t;
    t.file("initrd", "12345");
    append_to_initramfs(t / "initrd", "ABCD");
    CHECK(slurp(t / "initrd") == std::string("12345\0\0\0ABCD", 12));
}

TEST_CASE("--sign-key: an Ed25519 key signs what its public half verifies") {
    TempDir t;
    t.file("key.pem", ed25519_pem(), 0600);
    const SigningKey key(t / "key.pem");
    const std::string sums = "abc  filesystem.squashfs\n";
    const std::string sig = key.sign(sums);
    CHECK(sig.size() == 64);
    CHECK(contains(key.public_pem(), "-----BEGIN PUBLIC KEY-----"));
    CHECK(verifies(key.public_pem(), sums, sig));
    CHECK_FALSE(verifies(key.public_pem(), "abd  filesystem.squashfs\n", sig));
}

TEST_CASE("--sign-key refuses what is not an Ed25519 private key, naming the file") {
    TempDir t;
    t.file("junk.pem", "not a key\n");
    try {
        SigningKey key(t / "junk.pem");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::bad_input);
        CHECK(contains(e.what(), "junk.pem' is not a private key in PEM form"));
    }
    try {
        SigningKey key(t / "missing.pem");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(contains(e.what(), "missing.pem' cannot be read"));
    }
    // An RSA key is a private key, but not Ed25519.
    EVP_PKEY* rsa = EVP_RSA_gen(1024);
    REQUIRE(rsa);
    FILE* f = std::fopen((t / "rsa.pem").c_str(), "w");
    REQUIRE(PEM_write_PrivateKey(f, rsa, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    std::fclose(f);
    EVP_PKEY_free(rsa);
    try {
        SigningKey key(t / "rsa.pem");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(contains(e.what(), "rsa.pem' is not an Ed25519 key"));
    }
}

TEST_CASE("an existing netboot path is replaced only when it is an earlier netboot dir of the same root") {
    TempDir t;
    CHECK(contains(netboot_dir_refusal((t / "file"), "/r"), "is not a directory"));
    t.file("file", "x");
    CHECK(contains(netboot_dir_refusal(t / "file", "/r"), "exists and is not a directory"));
    t.file("other/data", "x");
    CHECK(contains(netboot_dir_refusal(t / "other", "/r"), "is not a netboot directory made by remaster"));
    t.file("stick/snapshot.info", "os=x\nroot=/r\n");
    CHECK(contains(netboot_dir_refusal(t / "stick", "/r"), "is not a netboot directory made by remaster"));
    t.file("nb/snapshot.info", "medium=netboot\nroot=/r\n");
    CHECK(netboot_dir_refusal(t / "nb", "/r").empty());
    CHECK(contains(netboot_dir_refusal(t / "nb", "/s"), "is the netboot directory of another system (root /r, not /s)"));
}

TEST_CASE("the netboot stage is renamed into place, exchanged with an earlier one, removed on failure") {
    TempDir t;
    const std::string dir = t / "nb";
    {
        NetbootStage stage(dir, "20261205-215317");
        t.file(".nb.remaster-new/boot.ipxe", "new");
        // Not committed: the stage goes, nothing is at dir.
    }
    struct stat st;
    CHECK(::stat((t / ".nb.remaster-new").c_str(), &st) != 0);
    CHECK(::stat(dir.c_str(), &st) != 0);
    {
        NetbootStage stage(dir, "20261205-215317");
        t.file(".nb.remaster-new/boot.ipxe", "first");
        stage.commit();
    }
    CHECK(slurp(dir + "/boot.ipxe") == "first");
    {
        NetbootStage stage(dir, "20261205-215318");
        t.file(".nb.remaster-new/boot.ipxe", "second");
        t.file(".nb.remaster-new/SHA256SUMS", "sums");
        stage.commit();
    }
    CHECK(slurp(dir + "/boot.ipxe") == "second");
    CHECK(slurp(dir + "/SHA256SUMS") == "sums");
    CHECK(::stat((t / ".nb.remaster-new").c_str(), &st) != 0);
}
