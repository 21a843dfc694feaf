#include "http_client.hpp"

#include <curl/curl.h>

#include <exception>
#include <mutex>

#include "bytes.hpp"
#include "error.hpp"
#include "interrupt.hpp"

namespace remaster {
namespace {

CURL* handle(void* p) { return static_cast<CURL*>(p); }

constexpr long kMaxRedirects = 5;
constexpr long kConnectTimeoutS = 15;
// A server that sends less than this for this long is stalled: an error,
// not a wait without end (a transfer as such has no time limit: a
// squashfs over a slow line takes what it takes).
constexpr long kStallBytesPerS = 1024;
constexpr long kStallS = 60;

const std::string kHint = "Check the URL and that the server is up; the stick was not changed.";

// One transfer's state, seen by the callbacks.
struct Transfer {
    uint64_t max = 0, got = 0;
    bool over = false;  // the body went past `max`
    const std::function<void(const char*, size_t)>* sink = nullptr;
    const std::function<void(uint64_t)>* on_bytes = nullptr;
    std::exception_ptr error;  // what the sink threw, rethrown after curl returns
};

size_t on_write(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * count;
    if (t->got + len > t->max) {
        t->over = true;
        return 0;  // anything but len: curl stops with CURLE_WRITE_ERROR
    }
    try {
        if (t->sink) (*t->sink)(data, len);
    } catch (...) {
        t->error = std::current_exception();
        return 0;
    }
    t->got += len;
    if (t->on_bytes && *t->on_bytes) (*t->on_bytes)(t->got);
    return len;
}

// Called often during a transfer: Ctrl-C stops it (curl then returns
// CURLE_ABORTED_BY_CALLBACK and we throw Error(interrupted)).
int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return interrupt_requested() ? 1 : 0; }

void set(CURL* c, CURLoption opt, long v) { curl_easy_setopt(c, opt, v); }

}  // namespace

HttpClient::HttpClient() {
    static std::once_flag once;
    static CURLcode global = CURLE_OK;
    std::call_once(once, [] { global = curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = global == CURLE_OK ? curl_easy_init() : nullptr;
    if (!curl_) throw Error(Exit::failure, "Cannot start libcurl");
}

HttpClient::~HttpClient() { curl_easy_cleanup(handle(curl_)); }

namespace {

// The options every request has; each request starts from them.
void prepare(CURL* c, const std::string& url, Transfer& t, char* errbuf) {
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the string forms; the bit masks are deprecated
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    set(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
    set(c, CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
    set(c, CURLOPT_FOLLOWLOCATION, 1);
    set(c, CURLOPT_MAXREDIRS, kMaxRedirects);
    set(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS);
    set(c, CURLOPT_LOW_SPEED_LIMIT, kStallBytesPerS);
    set(c, CURLOPT_LOW_SPEED_TIME, kStallS);
    set(c, CURLOPT_FAILONERROR, 1);
    set(c, CURLOPT_NOSIGNAL, 1);  // our signal handlers stay ours
    set(c, CURLOPT_SSL_VERIFYPEER, 1);
    set(c, CURLOPT_SSL_VERIFYHOST, 2);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "remaster/" REMASTER_VERSION);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    set(c, CURLOPT_NOPROGRESS, 0);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = '\0';
}

// One message per way a transfer fails, naming the URL.
[[noreturn]] void fail(CURL* c, CURLcode rc, const std::string& url, const std::string& what, const Transfer& t,
                       const char* errbuf) {
    if (rc == CURLE_ABORTED_BY_CALLBACK) check_interrupt();
    if (t.error) std::rethrow_exception(t.error);
    const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (t.over || rc == CURLE_FILESIZE_EXCEEDED)
        throw Error(Exit::bad_input, "The server's " + what + " (" + url + ") is bigger than " + format_bytes(t.max) +
                                         ": refused (more than a netboot directory of remaster holds, or than the server announced)", kHint);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR:
        throw HttpStatusError(status, "The server answered HTTP " + std::to_string(status) + " for " + url, kHint);
    case CURLE_TOO_MANY_REDIRECTS:
        throw Error(Exit::failure, url + " redirects more than " + std::to_string(kMaxRedirects) + " times (a redirect loop?)",
                    kHint);
    case CURLE_UNSUPPORTED_PROTOCOL:
        throw Error(Exit::failure, url + " leads to a URL that is not http:// or https:// (" + detail + ")", kHint);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        throw Error(Exit::failure, "Cannot connect to the server of " + url + ": " + detail, kHint);
    case CURLE_OPERATION_TIMEDOUT:
        throw Error(Exit::failure, "The server of " + url + " did not answer in time: " + detail, kHint);
    case CURLE_PARTIAL_FILE:
        throw Error(Exit::failure, "The download of " + url + " was cut off (" + format_bytes(t.got) + " received)", kHint);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        throw Error(Exit::failure, "The certificate of the server of " + url + " does not verify: " + detail,
                    "The stick was not changed. The server needs a certificate this machine trusts.");
    default:
        throw Error(Exit::failure, "Cannot download " + url + ": " + detail, kHint);
    }
}

}  // namespace

std::string HttpClient::get(const std::string& url, size_t max_bytes, const std::string& what) {
    std::string body;
    const std::function<void(const char*, size_t)> sink = [&body](const char* d, size_t n) { body.append(d, n); };
    stream(url, max_bytes, what, sink);
    return body;
}

std::optional<uint64_t> HttpClient::size(const std::string& url, const std::string& what) {
    CURL* c = handle(curl_);
    Transfer t;
    t.max = 0;  // a HEAD has no body
    char errbuf[CURL_ERROR_SIZE];
    prepare(c, url, t, errbuf);
    set(c, CURLOPT_NOBODY, 1);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(0));  // no cap on what is announced
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) fail(c, rc, url, what, t, errbuf);
    curl_off_t length = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length < 0) return std::nullopt;
    return static_cast<uint64_t>(length);
}

uint64_t HttpClient::stream(const std::string& url, uint64_t max_bytes, const std::string& what,
                            const std::function<void(const char* data, size_t size)>& sink,
                            const std::function<void(uint64_t done)>& on_bytes) {
    CURL* c = handle(curl_);
    Transfer t;
    t.max = max_bytes;
    t.sink = &sink;
    t.on_bytes = &on_bytes;
    char errbuf[CURL_ERROR_SIZE];
    prepare(c, url, t, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) fail(c, rc, url, what, t, errbuf);
    check_interrupt();
    return t.got;
}

}  // namespace remaster
