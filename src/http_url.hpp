// URLs of netboot directories, as a stick's boot entry and `remaster
// update` use them: checked before they go onto a kernel command line or to
// curl, where a space, quote or control character would mean something else.
#pragma once

#include <string>

namespace remaster {

// Why `url` cannot be a netboot directory's URL ("" when it can): http://
// or https://, a host (not only user information), no query or fragment
// (file names are appended to it), and only characters a URL may carry
// unencoded that neither GRUB, the kernel command line nor a shell read
// specially. A stick's --update-url and `remaster update --from` alike.
std::string http_url_problem(const std::string& url);

// `url` with one trailing '/', so that file names append to it.
std::string http_dir_url(const std::string& url);

}  // namespace remaster
