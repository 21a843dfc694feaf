#include "update_url.hpp"

#include "error.hpp"
#include "http_url.hpp"

namespace remaster {

std::string checked_update_url(const std::string& url, const std::string& origin) {
    // What a boot entry takes (http_url.hpp), and more: file names are
    // appended to it, so a query or fragment cannot be there, and the host
    // must be one (not just user information).
    std::string why = http_url_problem(url);
    const std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    std::string host = rest.substr(0, rest.find('/'));
    host = host.substr(host.rfind('@') == std::string::npos ? 0 : host.rfind('@') + 1);
    if (why.empty() && url.find_first_of("?#") != std::string::npos)
        why = "'" + url + "' has a query or fragment: it cannot name a directory";
    if (why.empty() && (host.empty() || host[0] == ':')) why = "'" + url + "' names no server (e.g. http://10.0.0.1/live/)";
    if (!why.empty())
        throw Error(Exit::bad_input, origin + ": " + printable(why),
                    "Give the http:// or https:// URL of the netboot directory, e.g. http://10.0.0.1:8080/live/");
    return http_dir_url(url);
}

}  // namespace remaster
