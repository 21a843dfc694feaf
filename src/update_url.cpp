#include "update_url.hpp"

#include "error.hpp"

namespace remaster {

std::string checked_update_url(const std::string& url, const std::string& origin) {
    auto refuse = [&](const std::string& why) -> Error {
        return Error(Exit::bad_input, origin + " '" + printable(url) + "' is not a URL remaster downloads from: " + why,
                     "Give the http:// or https:// URL of the netboot directory, e.g. http://10.0.0.1:8080/live/");
    };
    if (url.size() > 2048) throw refuse("longer than 2048 characters");
    std::string rest;
    for (const char* scheme : {"http://", "https://"})
        if (url.compare(0, std::char_traits<char>::length(scheme), scheme) == 0)
            rest = url.substr(std::char_traits<char>::length(scheme));
    if (rest.empty() && url.compare(0, 7, "http://") != 0 && url.compare(0, 8, "https://") != 0)
        throw refuse("only http:// and https:// are used");
    const size_t bad = url.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/@%+,;=!$&*()");
    if (bad != std::string::npos) {
        const char c = url[bad];
        throw refuse(c == '?' || c == '#' ? std::string("a query or fragment cannot name a directory")
                                          : "it holds the character '" + printable(std::string(1, c)) + "'");
    }
    // The authority: [user@]host[:port], up to the path.
    std::string host = rest.substr(0, rest.find('/'));
    if (host.find('@') != std::string::npos) host = host.substr(host.rfind('@') + 1);
    if (host.find(':') != std::string::npos) host = host.substr(0, host.find(':'));
    if (host.empty()) throw refuse("it names no host");
    return url.back() == '/' ? url : url + "/";
}

}  // namespace remaster
