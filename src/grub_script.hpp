// Text that goes into grub.cfg, quoted for GRUB's own script syntax, and the
// check that the result parses.
//
// GRUB reads grub.cfg like a shell: words split at blanks, '...' literal,
// "..." and bare words expand $variables, \ escapes, and ; # { } | & < >
// are syntax. The `linux` command then joins its words back into the kernel
// command line (grub_create_loader_cmdline): a word holding a space is put in
// double quotes, and \ ' " inside a word are escaped with a backslash, which
// the kernel does not undo. So every kernel argument is split the way the
// kernel splits its command line, and each becomes one GRUB word in single
// quotes. A kernel-style quoted value (dyndbg="file x.c +p") becomes the GRUB
// word dyndbg=file x.c +p, which GRUB hands over as "dyndbg=file x.c +p": the
// kernel parses that to the same parameter and value. What cannot reach the
// kernel literally (a ' or \, a " that is not such quoting, control
// characters) is refused. See docs/kernel-args.md.
#pragma once

#include <string>
#include <vector>

namespace remaster {

class Runner;

// `args` split into arguments as the kernel splits its command line:
// at whitespace outside double quotes.
std::vector<std::string> kernel_words(const std::string& args);

// `args` as GRUB words for the `linux` line, each quoted where GRUB would
// read it otherwise. Throws Error(Exit::bad_input) naming the first argument
// that cannot reach the kernel literally, and why.
std::string grub_kernel_args(const std::string& args);

// One word for GRUB: as it is when it holds only characters GRUB never reads
// specially, else in single quotes ('\'' for an apostrophe, as grub-mkconfig).
std::string grub_quote(const std::string& word);

// A menu title for the inside of a single-quoted GRUB word: apostrophes as
// '\'', control characters (newlines, terminal escapes) as spaces.
std::string grub_title(const std::string& title);

// Runs the host's grub-script-check on `cfg`; throws Error naming what it
// reported when GRUB would not parse it, and Error(Exit::missing) when the
// program is missing.
void check_grub_script(Runner& runner, const std::string& cfg);

}  // namespace remaster
