// --sign-key: an Ed25519 private key (PEM, as `openssl genpkey -algorithm
// ed25519` writes it) that signs a netboot directory's SHA256SUMS. The
// boot side checks the signature with the public half, which the netboot
// initramfs carries (docs/netboot.md).
#pragma once

#include <string>

namespace remaster {

class SigningKey {
public:
    // Reads and checks the key; throws Error(Exit::bad_input) naming the
    // file and why (unreadable, not PEM, not Ed25519).
    explicit SigningKey(const std::string& path);
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;
    ~SigningKey();

    // The raw 64-byte Ed25519 signature of `data` (what `openssl pkeyutl
    // -verify -rawin -sigfile` checks).
    std::string sign(const std::string& data) const;
    // The public key as PEM (SubjectPublicKeyInfo: openssl pkeyutl -pubin).
    std::string public_pem() const;

private:
    void* pkey_;  // EVP_PKEY, kept out of this header
};

// --sign-key with --update-url: the stick only checks signatures, so either
// half will do. Returns the public key as PEM; throws Error(Exit::bad_input)
// as SigningKey does for a file that holds no Ed25519 key.
std::string read_public_key_pem(const std::string& path);

// The base64 body of a PEM text on one line (no BEGIN/END lines, no line
// breaks): how snapshot.info records a key.
std::string pem_body(const std::string& pem);

}  // namespace remaster
