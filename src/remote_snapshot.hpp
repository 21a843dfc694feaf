// What `remaster update` reads from a netboot directory on a server
// (docs/netboot.md) before it writes anything: snapshot.info, SHA256SUMS
// and SHA256SUMS.sig. They come over the network from whoever answers, so
// they are hostile text until the signature, made with the key the stick
// pins, says otherwise; and they are parsed strictly even then: a line that
// is not exactly what remaster writes refuses the whole file, where the
// stick's own files (stick_store.hpp, checksum.hpp) skip what they cannot read.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "stick_store.hpp"

namespace remaster {

class PublicKey;

// Caps on what is fetched into memory; a bigger answer is refused.
constexpr size_t kRemoteInfoMax = 64 << 10;
constexpr size_t kRemoteSumsMax = 64 << 10;
constexpr size_t kRemoteSignatureMax = 1 << 10;

// SHA256SUMS: "<64 lowercase hex>  <name>" lines, names plain file names
// ([A-Za-z0-9._+-], not "." or ".."), each once. Throws
// Error(Exit::bad_input) naming the first bad line.
std::map<std::string, std::string> parse_remote_sums(const std::string& text);

// snapshot.info: KEY=value lines, keys [a-z0-9_], values without control
// characters, each key once; empty lines allowed. The id comes from its
// id= field. Throws Error(Exit::bad_input) naming the first bad line.
SnapshotInfo parse_remote_info(const std::string& text);

// The server's snapshot, checked: the signature of SHA256SUMS by `key`
// first, then SHA256SUMS, then snapshot.info against its line there.
struct RemoteSnapshot {
    SnapshotInfo info;
    std::map<std::string, std::string> sums;  // name -> hex, the files to download among them
};
// Throws Error(Exit::bad_input) saying which check failed; `url` names the
// server's directory in the messages.
RemoteSnapshot check_remote_snapshot(const std::string& info_text, const std::string& sums_text,
                                     const std::string& signature, const PublicKey& key, const std::string& url);

// The files downloaded into the new snapshot (the image, kernel, initramfs).
const std::vector<std::string>& remote_files();

// The stick's snapshot.info for the server's snapshot stored as `id`: the
// server's fields but what only the server's copy means (medium, signed,
// id) and what names files the stick does not get (other kernels, their
// initramfs inputs); a complete base of its own (layers=id, no parent);
// and the stick's own update_url and update_key, so that it keeps updating
// from where it did. `previous`: the stick's newest snapshot before.
SnapshotInfo stick_info_for(const SnapshotInfo& server, const std::string& id, const SnapshotInfo& previous);

}  // namespace remaster
