// The URL `remaster update` downloads from: the netboot directory a stick
// records as update_url= or --from. It is joined with file names and handed
// to libcurl, so only a plain http(s) URL of a directory is taken.
#pragma once

#include <string>

namespace remaster {

// `url` as the directory's URL, ending in "/". Refused (Error(Exit::bad_input),
// naming `origin`, e.g. "--from"): what http_url_problem refuses (another
// scheme than http:// or https://, no host, a query or fragment, spaces,
// quotes, control characters...).
std::string checked_update_url(const std::string& url, const std::string& origin);

}  // namespace remaster
