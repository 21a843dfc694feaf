#include "file_sum_task.hpp"

#include <utility>

#include "checksum.hpp"
#include "error.hpp"

namespace remaster {

FileSumTask::FileSumTask(std::string path) : path_(std::move(path)) {
    task_ = std::make_unique<BackgroundTask>([this] {
        hex_ = sha256_file(path_, [this](uint64_t) {
            if (abandoned_) throw Error(Exit::failure, "Reading '" + path_ + "' for its checksum was abandoned");
        });
    });
}

FileSumTask::~FileSumTask() {
    abandoned_ = true;
    task_.reset();
}

std::string FileSumTask::get() {
    task_->wait();
    return hex_;
}

}  // namespace remaster
