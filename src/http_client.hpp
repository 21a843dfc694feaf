// Downloads for `remaster update`, through libcurl: http and https only
// (redirects too), certificates checked, a few redirects at most, a
// connect timeout, HTTP errors as errors, and every answer capped in size,
// since whoever answers decides what comes back. One easy handle, owned
// here, reused for every file (one connection when the server keeps it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "error.hpp"

namespace remaster {

// An HTTP error status (404...) as an Error(Exit::failure), with the status,
// so that a caller can say what a 404 means for the file it asked for.
class HttpStatusError : public Error {
public:
    HttpStatusError(long status, const std::string& what, std::string hint)
        : Error(Exit::failure, what, std::move(hint)), status_(status) {}
    long status() const noexcept { return status_; }

private:
    long status_;
};

class HttpClient {
public:
    HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    ~HttpClient();

    // The body of `url`, at most `max_bytes`. Throws Error: Exit::failure for
    // the transfer (unreachable, timed out, an HTTP error, a redirect loop),
    // Exit::bad_input for an answer over the cap, Exit::interrupted.
    // `what` names the file in messages.
    std::string get(const std::string& url, size_t max_bytes, const std::string& what);

    // The size the server announces for `url` (a HEAD request), if it does.
    std::optional<uint64_t> size(const std::string& url, const std::string& what);

    // Streams the body of `url` to `sink` (which throws to stop), at most
    // `max_bytes`; `on_bytes` sees the total so far. Returns the bytes
    // received. Throws as get(); a body cut off short of its Content-Length
    // is an error too.
    uint64_t stream(const std::string& url, uint64_t max_bytes, const std::string& what,
                    const std::function<void(const char* data, size_t size)>& sink,
                    const std::function<void(uint64_t done)>& on_bytes = {});

private:
    void* curl_;  // CURL*, kept out of this header
};

}  // namespace remaster
