#include "update_url.hpp"

#include "error.hpp"
#include "http_url.hpp"

namespace remaster {

std::string checked_update_url(const std::string& url, const std::string& origin) {
    const std::string why = http_url_problem(url);
    if (!why.empty())
        throw Error(Exit::bad_input, origin + ": " + printable(why),
                    "Give the http:// or https:// URL of the netboot directory, e.g. http://10.0.0.1:8080/live/");
    return http_dir_url(url);
}

}  // namespace remaster
