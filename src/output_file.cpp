#include "output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "error.hpp"
#include "log.hpp"
#include "run_record.hpp"

namespace remaster {
namespace {

// The recovery runs in another process, maybe from another directory.
std::string absolute_temp(const std::string& temp) {
    if (!temp.empty() && temp[0] == '/') return temp;
    char cwd[4096];
    return ::getcwd(cwd, sizeof cwd) ? std::string(cwd) + "/" + temp : temp;
}

}  // namespace

std::string OutputFile::temp_name_for(const std::string& final_path) {
    const size_t slash = final_path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : final_path.substr(0, slash);
    const std::string name = final_path.substr(slash + 1);
    return dir + "/." + name + ".remaster-" + std::to_string(::getpid()) + ".tmp";
}

OutputFile::OutputFile(const std::string& final_path)
    : final_(final_path), temp_(temp_name_for(final_path)) {
    // Written down first: if we are killed from here on, the next run removes it.
    run_record::add_temp(absolute_temp(temp_));
    fd_ = open_or_throw(temp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
}

OutputFile::~OutputFile() {
    if (committed_) return;
    fd_.reset();
    if (::unlink(temp_.c_str()) != 0 && errno != ENOENT)
        log::warn() << "could not remove the partial output '" << temp_ << "': " << errno_string(errno);
}

void OutputFile::commit() {
    if (::fsync(fd_.get()) != 0) throw_errno("flush '" + temp_ + "' to disk", errno);
    if (::rename(temp_.c_str(), final_.c_str()) != 0) throw_errno("rename '" + temp_ + "' to '" + final_ + "'", errno);
    committed_ = true;
    fd_.reset();
    const size_t slash = final_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : final_.substr(0, slash);
    Fd d(::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) ::fsync(d.get());
}

}  // namespace remaster
