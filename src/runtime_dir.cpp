#include "runtime_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "error.hpp"
#include "log.hpp"
#include "mount.hpp"
#include "run_record.hpp"

namespace remaster {

std::string RuntimeDir::base() {
    const char* env = ::getenv("REMASTER_RUNTIME_DIR");
    return env && *env ? env : "/run/remaster";
}

RuntimeDir::RuntimeDir() {
    make_dirs(base(), 0700);
    path_ = base() + "/" + std::to_string(::getpid());
    if (::mkdir(path_.c_str(), 0700) != 0) {
        if (errno != EEXIST) throw_errno("create the runtime directory '" + path_ + "'", errno);
        // A previous run with our pid died without cleaning up; refuse rather than reuse.
        throw Error(Exit::failure, "The runtime directory '" + path_ + "' already exists",
                    "A previous run may have been killed; check `findmnt -R " + path_ +
                        "`, unmount what is there and remove the directory.");
    }
    run_record::open(path_);
}

std::string RuntimeDir::make_dir(const std::string& name) {
    std::string p = path_;
    size_t start = 0;
    while (start < name.size()) {
        size_t end = name.find('/', start);
        if (end == std::string::npos) end = name.size();
        p += "/" + name.substr(start, end - start);
        start = end + 1;
        if (::mkdir(p.c_str(), 0700) == 0)
            made_.push_back(p);
        else if (errno != EEXIST)
            throw_errno("create directory '" + p + "'", errno);
    }
    return p;
}

RuntimeDir::~RuntimeDir() {
    run_record::close();
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
        if (::rmdir(it->c_str()) != 0 && errno != ENOENT)
            log::warn() << "could not remove '" << *it << "': " << errno_string(errno);
    if (::rmdir(path_.c_str()) != 0 && errno != ENOENT)
        log::warn() << "could not remove '" << path_ << "': " << errno_string(errno);
}

}  // namespace remaster
