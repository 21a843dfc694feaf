#include "ssh_host_keys.hpp"

#include <fcntl.h>

#include "dir_stream.hpp"
#include "exclusions.hpp"
#include "fd.hpp"

namespace remaster {

const char* const kSshKeygenUnitName = "remaster-ssh-keygen.service";

std::string ssh_keygen_unit(const std::string& ssh_keygen) {
    return "# Written by remaster --mode clean: the host's ssh host keys were left out\n"
           "# of this system, and its ssh.service makes none. Once the keys exist this\n"
           "# unit does nothing; an installed system can remove it.\n"
           "[Unit]\n"
           "Description=Generate SSH host keys for this live system\n"
           "ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key\n"
           "Before=ssh.service sshd.service\n"
           "\n"
           "[Service]\n"
           "Type=oneshot\n"
           "ExecStart=" + ssh_keygen + " -A\n"
           "\n"
           "[Install]\n"
           "WantedBy=multi-user.target\n";
}

namespace {

bool in_root_exists(int root_fd, const std::string& rel) {
    return static_cast<bool>(open_in_root(root_fd, rel, O_PATH));
}

// The first of `paths` the root has, "" when none.
std::string first_in_root(int root_fd, std::initializer_list<const char*> paths) {
    for (const char* p : paths)
        if (in_root_exists(root_fd, p)) return p;
    return "";
}

bool has_host_keys(int root_fd) {
    DirStream dir = DirStream::adopt(open_in_root(root_fd, "/etc/ssh", O_RDONLY | O_DIRECTORY).release());
    while (const dirent* e = dir.next())
        if (pattern_matches(kSshHostKeyPattern, std::string("/etc/ssh/") + e->d_name)) return true;
    return false;
}

// Fedora (and RHEL 7's single unit) and Arch make their keys at boot themselves.
bool has_own_generator(int root_fd) {
    for (const char* dir : {"/etc/systemd/system/", "/usr/lib/systemd/system/", "/lib/systemd/system/"})
        for (const char* unit : {"sshd-keygen@.service", "sshd-keygen.service", "sshdgenkeys.service"})
            if (in_root_exists(root_fd, std::string(dir) + unit)) return true;
    return false;
}

}  // namespace

std::vector<ScrubAction> plan_ssh_host_keys(const std::string& root) {
    Fd root_fd = open_or_throw(root.c_str(), O_PATH | O_DIRECTORY);
    const int r = root_fd.get();
    const std::string keygen = first_in_root(r, {"/usr/bin/ssh-keygen", "/bin/ssh-keygen"});
    if (!has_host_keys(r) || keygen.empty() || first_in_root(r, {"/usr/sbin/sshd", "/usr/bin/sshd"}).empty() ||
        !in_root_exists(r, "/etc/systemd/system") || has_own_generator(r))
        return {};
    const std::string unit = std::string("/etc/systemd/system/") + kSshKeygenUnitName;
    return {{ScrubAction::Kind::write_file, unit, ssh_keygen_unit(keygen),
             "new ssh host keys at the first live boot (this sshd makes none itself)"},
            {ScrubAction::Kind::symlink, std::string("/etc/systemd/system/multi-user.target.wants/") + kSshKeygenUnitName,
             unit, "enables " + std::string(kSshKeygenUnitName)}};
}

}  // namespace remaster
