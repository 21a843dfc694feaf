#include "remote_snapshot.hpp"

#include <regex>

#include "checksum.hpp"
#include "error.hpp"
#include "medium.hpp"
#include "public_key.hpp"
#include "text.hpp"

namespace remaster {
namespace {

// Longer lines are no line remaster writes (a kernel_args of a page is the
// most); refused before any regex sees them.
constexpr size_t kMaxLine = 4096;

const std::string kSums = SnapshotDir::kSums;
const std::string kInfo = SnapshotDir::kInfo;

std::string line_ref(const std::string& file, size_t n) { return file + " line " + std::to_string(n); }

bool has_control_char(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

// Fields a stick snapshot must not take from the server's.
bool server_only_field(const std::string& key) {
    return key == NetbootDir::kMediumField || key == NetbootDir::kIdField || key == "signed" || key == "parent" ||
           key == "other_kernels" || key.compare(0, 16, "initramfs_inputs") == 0 || key == "update_url" ||
           key == "update_key";
}

}  // namespace

std::map<std::string, std::string> parse_remote_sums(const std::string& text) {
    static const std::regex line_re("([0-9a-f]{64})  ([A-Za-z0-9._+-]{1,255})");
    std::map<std::string, std::string> out;
    const auto lines = split_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (line.empty()) continue;
        std::smatch m;
        if (line.size() > kMaxLine || !std::regex_match(line, m, line_re))
            throw Error(Exit::bad_input, "The server's " + kSums + " is malformed (" + line_ref(kSums, i + 1) +
                                             " is not '<sha256>  <file name>')");
        const std::string name = m[2];
        if (name == "." || name == "..")
            throw Error(Exit::bad_input, "The server's " + kSums + " names '" + name + "' (" + line_ref(kSums, i + 1) + ")");
        if (!out.emplace(name, m[1]).second)
            throw Error(Exit::bad_input, "The server's " + kSums + " lists '" + name + "' twice");
    }
    return out;
}

SnapshotInfo parse_remote_info(const std::string& text) {
    static const std::regex key_re("[a-z0-9_]{1,64}");
    SnapshotInfo info;
    const auto lines = split_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (line.empty()) continue;
        const size_t eq = line.find('=');
        const std::string where = line_ref(kInfo, i + 1);
        if (line.size() > kMaxLine || eq == std::string::npos || !std::regex_match(line.substr(0, eq), key_re))
            throw Error(Exit::bad_input, "The server's " + kInfo + " is malformed (" + where + " is not KEY=value)");
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (has_control_char(value))
            throw Error(Exit::bad_input, "The server's " + kInfo + " is malformed (" + where + ": a control character)");
        if (!info.fields.emplace(key, value).second)
            throw Error(Exit::bad_input, "The server's " + kInfo + " sets '" + key + "' twice");
    }
    info.id = info.get(NetbootDir::kIdField);
    return info;
}

const std::vector<std::string>& remote_files() {
    static const std::vector<std::string> files = {SnapshotDir::kKernel, SnapshotDir::kInitrd, SnapshotDir::kImage};
    return files;
}

RemoteSnapshot check_remote_snapshot(const std::string& info_text, const std::string& sums_text,
                                     const std::string& signature, const PublicKey& key, const std::string& url) {
    // Nothing the server says counts before this: not even how SHA256SUMS parses.
    if (!key.verifies(sums_text, signature))
        throw Error(Exit::bad_input,
                    "The signature of " + url + SnapshotDir::kSums + " does not verify with the key the stick pins: "
                    "the directory was signed with another key, or changed after it was signed",
                    "Nothing was written. Check that the server's directory is made with the same --sign-key as the stick.");
    RemoteSnapshot r;
    r.sums = parse_remote_sums(sums_text);
    auto it = r.sums.find(SnapshotDir::kInfo);
    if (it == r.sums.end())
        throw Error(Exit::bad_input, "The server's " + kInfo + " is not covered by the signature (" + kSums + " does not list it)",
                    "Make the server's directory again with a remaster that lists it (`remaster snapshot --netboot DIR --sign-key KEY`).");
    Sha256 digest;
    digest.update(info_text.data(), info_text.size());
    if (digest.hex() != it->second)
        throw Error(Exit::bad_input, "The server's " + kInfo + " does not match its SHA-256 in the signed " + kSums);
    for (const auto& f : remote_files())
        if (!r.sums.count(f)) throw Error(Exit::bad_input, "The server's " + kSums + " does not list " + f);
    r.info = parse_remote_info(info_text);
    return r;
}

SnapshotInfo stick_info_for(const SnapshotInfo& server, const std::string& id, const SnapshotInfo& previous) {
    SnapshotInfo info{id, {}};
    for (const auto& [k, v] : server.fields)
        if (!server_only_field(k)) info.fields[k] = v;
    info.fields["layers"] = id;
    for (const char* k : {"update_url", "update_key"}) {
        const std::string v = previous.get(k);
        if (!v.empty()) info.fields[k] = v;
    }
    return info;
}

}  // namespace remaster
