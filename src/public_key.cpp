#include "public_key.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "error.hpp"

namespace remaster {
namespace {

EVP_PKEY* key(void* p) { return static_cast<EVP_PKEY*>(p); }

// An Ed25519 SubjectPublicKeyInfo is 44 bytes, 60 in base64; a little room
// for other encodings of the same key, none for anything big.
constexpr size_t kMaxBody = 256;

}  // namespace

PublicKey PublicKey::from_base64(const std::string& body) {
    const std::string hint = "Make the stick again with `remaster snapshot --to STICK --update-url URL --sign-key KEY`.";
    if (body.empty() || body.size() > kMaxBody ||
        body.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != std::string::npos)
        throw Error(Exit::bad_input, "The stick's update_key is not a public key in base64", hint);
    // PEM is the base64 folded at 64 columns between its armour lines: what
    // OpenSSL reads, so the key is decoded and checked by OpenSSL alone.
    std::string pem = "-----BEGIN PUBLIC KEY-----\n";
    for (size_t i = 0; i < body.size(); i += 64) pem += body.substr(i, 64) + "\n";
    pem += "-----END PUBLIC KEY-----\n";
    std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!pkey) throw Error(Exit::bad_input, "The stick's update_key is not a public key (OpenSSL cannot read it)", hint);
    if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        throw Error(Exit::bad_input, "The stick's update_key is not an Ed25519 key", hint);
    }
    return PublicKey(pkey);
}

PublicKey::~PublicKey() { EVP_PKEY_free(key(pkey_)); }

bool PublicKey::verifies(const std::string& data, const std::string& signature) const {
    if (signature.size() != 64) return false;  // Ed25519's, whatever a server sends
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    // Ed25519 hashes by itself: no digest, one call over the whole message.
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key(pkey_)) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace remaster
