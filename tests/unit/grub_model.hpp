// A model of how GRUB and then the kernel read a line of grub.cfg, for the
// tests: GRUB's script lexer (grub-core/script/yylex.l: blanks split words,
// '...' literal, "..." with \$ \\ \" escapes, \ escapes outside quotes, # a
// comment at a word's start, { } ; | & < > and newlines syntax, $ an
// expansion), the `linux` command's joining of its words into the kernel
// command line (grub-core/lib/cmdline.c), and the kernel's own parsing of
// that line (lib/cmdline.c next_arg). Only what remaster's output may
// contain needs to be modelled exactly; anything else is reported as an
// error, which the tests count as a failure.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace grub_model {

struct Token {
    enum Kind { word, newline, lbrace, rbrace, semi, other } kind;
    std::string text;
    bool operator==(const Token& o) const { return kind == o.kind && text == o.text; }
};

// Throws std::runtime_error for an expansion ($), an unterminated quote.
inline std::vector<Token> lex(const std::string& s) {
    std::vector<Token> out;
    size_t i = 0;
    auto special = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '{' || c == '}' || c == '|' || c == '&' || c == ';' ||
               c == '<' || c == '>';
    };
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t') {
            ++i;
        } else if (c == '#') {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (c == '\n') {
            out.push_back({Token::newline, ""}), ++i;
        } else if (c == '{' || c == '}') {
            out.push_back({c == '{' ? Token::lbrace : Token::rbrace, ""}), ++i;
        } else if (c == ';') {
            out.push_back({Token::semi, ""}), ++i;
        } else if (c == '|' || c == '&' || c == '<' || c == '>') {
            out.push_back({Token::other, std::string(1, c)}), ++i;
        } else {
            std::string w;
            while (i < s.size() && !special(s[i])) {
                const char d = s[i++];
                if (d == '\'') {
                    const size_t end = s.find('\'', i);
                    if (end == std::string::npos) throw std::runtime_error("unterminated '");
                    w += s.substr(i, end - i);
                    i = end + 1;
                } else if (d == '"') {
                    for (;;) {
                        if (i >= s.size()) throw std::runtime_error("unterminated \"");
                        const char e = s[i++];
                        if (e == '"') break;
                        if (e == '$') throw std::runtime_error("expansion in \"...\"");
                        if (e == '\\' && i < s.size() && (s[i] == '$' || s[i] == '\\' || s[i] == '"'))
                            w += s[i++];
                        else if (e == '\\' && i < s.size() && s[i] == '\n')
                            ++i;
                        else
                            w += e;
                    }
                } else if (d == '\\') {
                    if (i < s.size() && s[i] != '\n') w += s[i];
                    if (i < s.size()) ++i;
                } else if (d == '$') {
                    throw std::runtime_error("expansion");
                } else {
                    w += d;
                }
            }
            out.push_back({Token::word, w});
        }
    }
    return out;
}

// grub_create_loader_cmdline: words joined by spaces, one holding a space in
// "...", and \ ' " escaped with a backslash.
inline std::string loader_cmdline(const std::vector<std::string>& words) {
    std::string out;
    for (size_t n = 0; n < words.size(); ++n) {
        const std::string& w = words[n];
        const bool space = w.find(' ') != std::string::npos;
        if (n) out += ' ';
        if (space) out += '"';
        for (char c : w) {
            if (c == '\\' || c == '\'' || c == '"') out += '\\';
            out += c;
        }
        if (space) out += '"';
    }
    return out;
}

inline bool kernel_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0; }

using Param = std::pair<std::string, std::optional<std::string>>;

// The kernel's next_arg over the whole command line: (param, value) pairs.
inline std::vector<Param> kernel_params(std::string s) {
    std::vector<Param> out;
    size_t a = 0;
    while (a < s.size() && kernel_space(static_cast<unsigned char>(s[a]))) ++a;
    while (a < s.size()) {
        bool in_quote = false, quoted = false;
        if (s[a] == '"') ++a, in_quote = quoted = true;
        size_t i = 0, equals = 0;
        for (; a + i < s.size(); ++i) {
            const char c = s[a + i];
            if (kernel_space(static_cast<unsigned char>(c)) && !in_quote) break;
            if (equals == 0 && c == '=') equals = i;
            if (c == '"') in_quote = !in_quote;
        }
        std::string arg = s.substr(a, i);  // args[0..i), NULs as cuts below
        size_t val_start = 0;
        bool has_val = equals != 0;
        if (has_val) {
            val_start = equals + 1;
            if (val_start < arg.size() && arg[val_start] == '"') {
                ++val_start;
                if (arg[i - 1] == '"') arg[i - 1] = '\0';
            }
        }
        if (quoted && i > 0 && arg[i - 1] == '"') arg[i - 1] = '\0';
        auto upto_nul = [](const std::string& x) { return x.substr(0, x.find('\0')); };
        if (has_val) {
            out.push_back({upto_nul(arg.substr(0, equals)), upto_nul(arg.substr(std::min(val_start, arg.size())))});
        } else {
            out.push_back({upto_nul(arg), std::nullopt});
        }
        a += i;
        if (a < s.size()) ++a;
        while (a < s.size() && kernel_space(static_cast<unsigned char>(s[a]))) ++a;
    }
    return out;
}

// The words of the one menu entry that the tests' templates below make,
// after checking that the whole file is exactly:
//   set timeout=T / set default=ID / menuentry TITLE --id ID { / linux KERNEL ARGS... / initrd INITRD / }
struct ParsedEntry {
    std::string title, id;
    std::vector<std::string> linux_words;  // kernel path first
    std::vector<std::string> initrd_words;
};
inline ParsedEntry parse_single_entry(const std::string& cfg) {
    const std::vector<Token> t = lex(cfg);
    size_t i = 0;
    auto fail = [&](const std::string& why) { throw std::runtime_error(why + " at token " + std::to_string(i)); };
    auto word = [&](const std::string& want = {}) {
        if (i >= t.size() || t[i].kind != Token::word || (!want.empty() && t[i].text != want)) fail("expected word " + want);
        return t[i++].text;
    };
    auto kind = [&](Token::Kind k) {
        if (i >= t.size() || t[i].kind != k) fail("unexpected token");
        ++i;
    };
    auto newlines = [&] {
        kind(Token::newline);
        while (i < t.size() && t[i].kind == Token::newline) ++i;
    };
    auto rest_of_command = [&] {
        std::vector<std::string> w;
        while (i < t.size() && t[i].kind == Token::word) w.push_back(t[i++].text);
        newlines();
        return w;
    };
    ParsedEntry e;
    word("set"), word(), newlines();
    word("set"), word(), newlines();
    word("menuentry");
    e.title = word();
    word("--id"), e.id = word(), kind(Token::lbrace), newlines();
    word("linux");
    e.linux_words = rest_of_command();
    word("initrd");
    e.initrd_words = rest_of_command();
    kind(Token::rbrace);
    while (i < t.size() && t[i].kind == Token::newline) ++i;
    if (i != t.size()) fail("trailing tokens");
    return e;
}

// The tests' templates: the shape of grub.d/ with only what the model parses.
inline const char* kGrubCfg = "set timeout=@TIMEOUT@\nset default=@DEFAULT@\n@ENTRIES@";
inline const char* kEntry = "menuentry '@TITLE@' --id @ID@ {\n\tlinux @KERNEL@ @ARGS@\n\tinitrd @INITRD@\n}\n";

}  // namespace grub_model
