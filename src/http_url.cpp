#include "http_url.hpp"

namespace remaster {
namespace {

// RFC 3986's unreserved and reserved characters and '%', less those that
// GRUB's script language or a shell would read ($ ; & ' ( ) * ! and ` are
// reserved or sub-delims too, but a netboot directory's URL needs none).
bool url_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    for (const char ok : std::string("-._~:/?#[]@+,=%")) if (c == ok) return true;
    return false;
}

}  // namespace

std::string http_url_problem(const std::string& url) {
    std::string rest;
    if (url.rfind("http://", 0) == 0)
        rest = url.substr(7);
    else if (url.rfind("https://", 0) == 0)
        rest = url.substr(8);
    else
        return "'" + url + "' is not an http:// or https:// URL (e.g. http://10.0.0.1/live/)";
    // The host, after any user information.
    std::string host = rest.substr(0, rest.find('/'));
    host = host.substr(host.rfind('@') == std::string::npos ? 0 : host.rfind('@') + 1);
    if (host.empty() || host[0] == ':') return "'" + url + "' names no server (e.g. http://10.0.0.1/live/)";
    for (const char c : url)
        if (!url_char(c))
            return "'" + url + "' has a character a boot entry cannot carry (spaces, quotes, control characters, "
                   "$ ; & ( ) * ! ` and the like): encode it as %XX";
    if (url.size() > 1024) return "'" + url.substr(0, 64) + "...' is longer than 1024 characters";
    // File names are appended to it: a query or fragment would swallow them.
    if (url.find_first_of("?#") != std::string::npos) return "'" + url + "' has a query or fragment: it cannot name a directory";
    return "";
}

std::string http_dir_url(const std::string& url) { return !url.empty() && url.back() == '/' ? url : url + "/"; }

}  // namespace remaster
