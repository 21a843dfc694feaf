#include "signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <memory>

#include "error.hpp"

namespace remaster {
namespace {

EVP_PKEY* key(void* p) { return static_cast<EVP_PKEY*>(p); }

// The public half of `k` as PEM (SubjectPublicKeyInfo).
std::string public_pem_of(EVP_PKEY* k) {
    std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), k) != 1) throw Error(Exit::failure, "Cannot write the public key (OpenSSL)");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

}  // namespace

SigningKey::SigningKey(const std::string& path) : pkey_(nullptr) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "re"), &std::fclose);
    if (!f) throw Error(Exit::bad_input, "--sign-key '" + path + "' cannot be read (" + errno_string(errno) + ")");
    pkey_ = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
    if (!pkey_)
        throw Error(Exit::bad_input, "--sign-key '" + path + "' is not a private key in PEM form (or needs a passphrase)",
                    "Make one with: openssl genpkey -algorithm ed25519 -out netboot.key");
    if (EVP_PKEY_id(key(pkey_)) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key(pkey_));
        pkey_ = nullptr;
        throw Error(Exit::bad_input, "--sign-key '" + path + "' is not an Ed25519 key",
                    "Make one with: openssl genpkey -algorithm ed25519 -out netboot.key");
    }
}

SigningKey::~SigningKey() { EVP_PKEY_free(key(pkey_)); }

std::string SigningKey::sign(const std::string& data) const {
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    // Ed25519 hashes by itself: no digest, and one call over the whole message.
    size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key(pkey_)) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        throw Error(Exit::failure, "Cannot sign with the Ed25519 key (OpenSSL)");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        throw Error(Exit::failure, "Cannot sign with the Ed25519 key (OpenSSL)");
    sig.resize(len);
    return sig;
}

std::string read_public_key_pem(const std::string& path) {
    {
        std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "re"), &std::fclose);
        if (!f) throw Error(Exit::bad_input, "--sign-key '" + path + "' cannot be read (" + errno_string(errno) + ")");
        std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pub(PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr),
                                                           &EVP_PKEY_free);
        if (pub) {
            if (EVP_PKEY_id(pub.get()) != EVP_PKEY_ED25519)
                throw Error(Exit::bad_input, "--sign-key '" + path + "' is not an Ed25519 key",
                            "Use the key the server's netboot directory is signed with (openssl genpkey -algorithm "
                            "ed25519 makes one)");
            return public_pem_of(pub.get());
        }
    }
    ERR_clear_error();  // PEM_read_PUBKEY left why it was not a public key
    return SigningKey(path).public_pem();  // a private key, or its error
}

std::string pem_body(const std::string& pem) {
    std::string out, line;
    for (const char c : pem + "\n") {
        if (c != '\n') {
            if (c != '\r') line += c;
            continue;
        }
        if (line.rfind("-----", 0) != 0) out += line;
        line.clear();
    }
    return out;
}

std::string SigningKey::public_pem() const { return public_pem_of(key(pkey_)); }

}  // namespace remaster
