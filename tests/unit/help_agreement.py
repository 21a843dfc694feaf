#!/usr/bin/env python3
"""help_agreement.py: what --help says against the man page and completion.

  help_agreement.py man REMASTER MANPAGE   the man page agrees with --help
  help_agreement.py list REMASTER          prints "CMD<TAB>OPTIONS" per command
                                           (for tests/unit/completion_test.sh)

Every command (remaster, each subcommand, each of profile's) must have a
section `.SS "remaster CMD"` in the man page, and the options a section names
in its .TP lines must be exactly those that `remaster CMD --help` lists
(-h/--help aside, which every command has). Prints each disagreement and
exits 1 if there is one.
"""
import re
import subprocess
import sys

OPTION = re.compile(r"^  (?:(-\w),)?(--[\w-]+)")
SUBCOMMAND = re.compile(r"^  ([a-z][\w-]*)\s")


def help_of(binary, path):
    out = subprocess.run([binary, *path, "--help"], capture_output=True, text=True, check=True).stdout
    options, subcommands, part = set(), [], None
    for line in out.splitlines():
        if re.match(r"^\w[\w ]*:$", line):
            part = line[:-1]
            continue
        if part == "Options":
            m = OPTION.match(line)
            if m:
                options.update(o for o in m.groups() if o)
        elif part == "Subcommands":
            m = SUBCOMMAND.match(line)
            if m:
                subcommands.append(m.group(1))
    options -= {"-h", "--help"}
    return options, subcommands


def commands(binary, path=()):
    options, subcommands = help_of(binary, list(path))
    # A command that only groups others (profile) has no page section of its own.
    if options or not subcommands:
        yield " ".join(("remaster",) + path), options
    for s in subcommands:
        yield from commands(binary, path + (s,))


def page_sections(text):
    sections, current, after_tp = {}, None, False
    for line in text.splitlines():
        m = re.match(r'^\.SS "(.*)"', line)
        if m:
            current = m.group(1).replace("\\-", "-")
            sections[current] = set()
        elif line.startswith(".SH"):
            current = None
        elif line.startswith(".TP"):
            after_tp = True
            continue
        elif current and after_tp:
            plain = line.replace("\\-", "-")
            found = re.findall(r"(?<![\w-])(--[a-z][\w-]*|-[a-z])(?![\w-])", plain)
            sections[current].update(set(found) - {"-h", "--help"})
        after_tp = False
    return sections


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "list":
        for name, options in commands(sys.argv[2]):
            print(name + "\t" + " ".join(sorted(options)))
        return 0
    if len(sys.argv) != 4 or sys.argv[1] != "man":
        print(__doc__, file=sys.stderr)
        return 2
    binary, page = sys.argv[2], sys.argv[3]
    with open(page, encoding="utf-8") as f:
        sections = page_sections(f.read())
    problems = []
    seen = set()
    for name, options in commands(binary):
        seen.add(name)
        if name not in sections:
            problems.append(f"{name}: no section '.SS \"{name}\"' in the man page")
            continue
        for o in sorted(options - sections[name]):
            problems.append(f"{name}: {o} is in --help but not in the man page")
        for o in sorted(sections[name] - options):
            problems.append(f"{name}: {o} is in the man page but not in --help")
    for name in sorted(set(sections) - seen):
        problems.append(f"{name}: a man page section for a command that --help does not have")
    for p in problems:
        print("manpage: " + p)
    print(f"manpage: {len(seen)} commands checked, {len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
