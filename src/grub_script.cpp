#include "grub_script.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "error.hpp"
#include "fd.hpp"
#include "runner.hpp"

namespace remaster {
namespace {

// The kernel's isspace (lib/ctype.c): ASCII whitespace and the Latin-1 no-break space.
bool kernel_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

bool control_char(unsigned char c) { return c < 0x20 || c == 0x7f; }

[[noreturn]] void refuse(const std::string& word, const std::string& why) {
    throw Error(Exit::bad_input, "The kernel argument '" + printable(word) + "' cannot reach the kernel literally: " + why,
                "GRUB would change it on the way (see docs/kernel-args.md); leave it out of --kernel-args or write it "
                "another way.");
}

// The GRUB word that makes GRUB hand the kernel what `w` means to it.
std::string grub_word(const std::string& w) {
    for (unsigned char c : w) {
        if (control_char(c)) refuse(w, "it holds a control character");
        if (c == '\'') refuse(w, "GRUB passes a single quote on as \\'");
        if (c == '\\') refuse(w, "GRUB passes a backslash on as \\\\");
    }
    std::string out = w;
    const size_t quotes = std::count(w.begin(), w.end(), '"');
    const size_t eq = w.find('=');
    if (quotes == 2 && w.front() == '"' && w.back() == '"') {
        out = w.substr(1, w.size() - 2);  // "param=value with spaces"
    } else if (quotes == 2 && eq != std::string::npos && eq > 0 && w.find('"') == eq + 1 && w.back() == '"' &&
               w.size() > eq + 2) {
        out = w.substr(0, eq + 1) + w.substr(eq + 2, w.size() - eq - 3);  // param="value with spaces"
    } else if (quotes) {
        refuse(w, "GRUB passes a double quote on as \\\" (only \"param=value\" and param=\"value\" quoting can be passed)");
    }
    if (out.empty()) refuse(w, "it is empty");
    // GRUB quotes a word only for a space; the kernel also splits at a no-break space.
    if (out.find('\xa0') != std::string::npos && out.find(' ') == std::string::npos)
        refuse(w, "it holds a no-break space (byte 0xA0), where the kernel would split it");
    return out;
}

bool is_reserved_word(const std::string& w) {
    for (const char* r : {"case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "select", "then",
                          "until", "while", "function"})
        if (w == r) return true;
    return false;
}

// A temporary file that is removed when it goes out of scope.
class TempFile {
public:
    explicit TempFile(const std::string& content) {
        const char* tmp = std::getenv("TMPDIR");
        path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/remaster-grub.cfg.XXXXXX";
        Fd fd(::mkstemp(path_.data()));
        if (!fd) throw_errno("create a temporary file for grub-script-check", errno);
        for (size_t off = 0; off < content.size();) {
            const ssize_t w = ::write(fd.get(), content.data() + off, content.size() - off);
            if (w < 0) {
                ::unlink(path_.c_str());
                throw_errno("write '" + path_ + "'", errno);
            }
            off += static_cast<size_t>(w);
        }
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

std::vector<std::string> kernel_words(const std::string& args) {
    std::vector<std::string> out;
    size_t i = 0;
    for (;;) {
        while (i < args.size() && kernel_space(static_cast<unsigned char>(args[i]))) ++i;
        if (i == args.size()) return out;
        const size_t start = i;
        bool in_quote = false;  // as lib/cmdline.c next_arg: every " toggles
        for (; i < args.size(); ++i) {
            if (!in_quote && kernel_space(static_cast<unsigned char>(args[i]))) break;
            if (args[i] == '"') in_quote = !in_quote;
        }
        out.push_back(args.substr(start, i - start));
    }
}

std::string grub_kernel_args(const std::string& args) {
    // A newline or tab would split the arguments for the kernel, not for the user who typed them.
    for (unsigned char c : args)
        if (control_char(c))
            throw Error(Exit::bad_input, "The kernel arguments '" + printable(args) + "' hold a control character (a "
                                         "newline or tab?)", "Separate kernel arguments with spaces.");
    std::string out;
    for (const auto& w : kernel_words(args)) out += (out.empty() ? "" : " ") + grub_quote(grub_word(w));
    return out;
}

std::string grub_quote(const std::string& word) {
    static const char* safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./,:=+@%-";
    if (!word.empty() && word.find_first_not_of(safe) == std::string::npos && !is_reserved_word(word)) return word;
    return "'" + grub_title(word) + "'";
}

std::string grub_title(const std::string& title) {
    std::string out;
    for (char c : title) {
        if (c == '\'')
            out += "'\\''";
        else
            out += control_char(static_cast<unsigned char>(c)) ? ' ' : c;
    }
    return out;
}

void check_grub_script(Runner& runner, const std::string& cfg) {
    const std::string prog = find_program("grub-script-check");
    if (prog.empty())
        throw Error(Exit::missing, "'grub-script-check' is missing on this machine: the boot menu cannot be checked",
                    "Install the package grub-common.");
    const TempFile file(cfg);
    Command cmd{{prog, file.path()}};
    cmd.allow_failure = true;
    const CommandResult r = runner.run(cmd);
    if (r.status != 0) {
        std::string said = r.err.empty() ? r.out : r.err;
        while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
        throw Error(Exit::failure, "The generated boot menu is not valid GRUB script (grub-script-check: " + said +
                                       "); the stick's grub.cfg was left as it was",
                    "This is a bug in remaster; please report it with the output of --dry-run.");
    }
}

}  // namespace remaster
