// The Ed25519 public key a stick pins to check what it downloads (remaster
// update): the signing key's public half, recorded in the stick's
// snapshot.info as update_key=, the base64 body of its PEM
// SubjectPublicKeyInfo on one line (the PEM without its BEGIN/END lines and
// newlines; pem_body in signing_key.hpp). The private half is signing_key.hpp.
#pragma once

#include <string>

namespace remaster {

class PublicKey {
public:
    // Throws Error(Exit::bad_input) when `body` is not the base64 of an
    // Ed25519 SubjectPublicKeyInfo.
    static PublicKey from_base64(const std::string& body);
    PublicKey(PublicKey&& other) noexcept : pkey_(other.pkey_) { other.pkey_ = nullptr; }
    PublicKey(const PublicKey&) = delete;
    PublicKey& operator=(const PublicKey&) = delete;
    PublicKey& operator=(PublicKey&&) = delete;
    ~PublicKey();

    // Whether `signature` (64 raw bytes) is this key's Ed25519 signature of `data`.
    bool verifies(const std::string& data, const std::string& signature) const;

private:
    explicit PublicKey(void* pkey) : pkey_(pkey) {}
    void* pkey_;  // EVP_PKEY, kept out of this header
};

}  // namespace remaster
