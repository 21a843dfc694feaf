#!/usr/bin/env python3
"""Compare two directory trees entry by entry.

usage: treecmp.py [--ignore PATH]... [--ignore-acl] [--ignore-xattr NAME]...
                  [--no-root-meta] SRC DST

Checks for every path (relative, "/" is the root): type, mode bits (with
setuid/setgid/sticky), uid, gid, size of regular files and symlinks, mtime
in whole seconds, sha256 of regular files, symlink target, rdev of devices,
all extended attributes, and hard-link grouping: the set of paths sharing an
inode in SRC must be the same set in DST.

--ignore PATH drops PATH and everything below it ("/proc" or "/var/tmp/");
--ignore-acl ignores system.posix_acl_* (squashfs cannot hold them);
--no-root-meta skips owner/mode/mtime of the root itself.

Prints every difference, then a summary; exit status 1 on any difference,
2 on usage errors. Standard library only.
"""
import argparse
import hashlib
import os
import stat
import sys


# Everything is read relative to open directory fds, so trees whose paths are
# longer than PATH_MAX (deep chains of long names) work; xattrs, which have no
# *at() calls, go through /proc/self/fd/<dirfd>/<name>.

def list_xattrs(dirfd, name):
    path = f"/proc/self/fd/{dirfd}/{name}" if name is not None else f"/proc/self/fd/{dirfd}"
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in names:
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False)
        except OSError:
            out[n] = None
    return out


def sha256(dirfd, name):
    h = hashlib.sha256()
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dirfd)
    try:
        with os.fdopen(fd, "rb", closefd=False) as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
    finally:
        os.close(fd)
    return h.hexdigest()


def ftype(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISBLK, "blockdev"), (stat.S_ISCHR, "chardev"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "unknown"


class Entry:
    __slots__ = ("st", "xattrs", "digest", "target")

    def __init__(self, st, xattrs, digest=None, target=None):
        self.st, self.xattrs, self.digest, self.target = st, xattrs, digest, target


class Walk:
    """Everything treecmp compares, for every path under root, keyed by the
    path relative to root ("/" is the root)."""

    def __init__(self, root, ignored):
        self.root = root
        self.ignored = ignored
        self.entries = {}
        self.errors = []
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            self.entries["/"] = Entry(os.fstat(fd), list_xattrs(fd, None))
            self._walk(fd, "/")
        finally:
            os.close(fd)

    def is_ignored(self, rel):
        for p in self.ignored:
            if rel == p or rel.startswith(p + "/"):
                return True
        return False

    def _walk(self, dirfd, rel):
        for name in sorted(os.listdir(dirfd)):
            child = ("/" if rel == "/" else rel + "/") + name
            if self.is_ignored(child):
                continue
            st = os.lstat(name, dir_fd=dirfd)
            e = Entry(st, list_xattrs(dirfd, name))
            self.entries[child] = e
            if stat.S_ISREG(st.st_mode):
                try:
                    e.digest = sha256(dirfd, name)
                except OSError as err:
                    self.errors.append(f"{show(child)}: cannot read in {self.root}: {err}")
            elif stat.S_ISLNK(st.st_mode):
                e.target = os.readlink(name, dir_fd=dirfd)
            elif stat.S_ISDIR(st.st_mode):
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dirfd)
                try:
                    self._walk(sub, child)
                finally:
                    os.close(sub)

    def link_groups(self):
        """(dev, ino) -> sorted paths, for non-directories with several names."""
        groups = {}
        for rel, e in self.entries.items():
            if not stat.S_ISDIR(e.st.st_mode):
                groups.setdefault((e.st.st_dev, e.st.st_ino), []).append(rel)
        return {k: sorted(v) for k, v in groups.items() if len(v) > 1}


def show(rel):
    return repr(rel) if any(c in rel for c in "\n\t\r") or not rel.isprintable() else rel


def compare(src, dst, args):
    ignored = [p.rstrip("/") or "/" for p in args.ignore]
    a = Walk(src, ignored)
    b = Walk(dst, ignored)
    diffs = []

    def diff(rel, what):
        diffs.append(f"{show(rel)}: {what}")

    for rel in sorted(set(a.entries) - set(b.entries)):
        diff(rel, "missing in " + dst)
    for rel in sorted(set(b.entries) - set(a.entries)):
        diff(rel, "only in " + dst)

    diffs.extend(a.errors + b.errors)
    for rel in sorted(set(a.entries) & set(b.entries)):
        ea, eb = a.entries[rel], b.entries[rel]
        sa, sb = ea.st, eb.st
        ta, tb = ftype(sa.st_mode), ftype(sb.st_mode)
        if ta != tb:
            diff(rel, f"type {ta} != {tb}")
            continue
        root_meta = rel != "/" or not args.no_root_meta
        if root_meta:
            if stat.S_IMODE(sa.st_mode) != stat.S_IMODE(sb.st_mode):
                diff(rel, f"mode {stat.S_IMODE(sa.st_mode):04o} != {stat.S_IMODE(sb.st_mode):04o}")
            if sa.st_uid != sb.st_uid:
                diff(rel, f"uid {sa.st_uid} != {sb.st_uid}")
            if sa.st_gid != sb.st_gid:
                diff(rel, f"gid {sa.st_gid} != {sb.st_gid}")
            ma, mb = sa.st_mtime_ns // 10**9, sb.st_mtime_ns // 10**9
            if ma != mb:
                diff(rel, f"mtime {ma} != {mb}")
        if ta in ("file", "symlink") and sa.st_size != sb.st_size:
            diff(rel, f"size {sa.st_size} != {sb.st_size}")
        if ta == "file" and sa.st_size == sb.st_size and ea.digest != eb.digest:
            diff(rel, "content differs")
        if ta == "symlink" and ea.target != eb.target:
            diff(rel, f"target {ea.target!r} != {eb.target!r}")
        if ta in ("blockdev", "chardev"):
            if sa.st_rdev != sb.st_rdev:
                diff(rel, f"rdev {os.major(sa.st_rdev)}:{os.minor(sa.st_rdev)} != "
                          f"{os.major(sb.st_rdev)}:{os.minor(sb.st_rdev)}")
        xa, xb = dict(ea.xattrs), dict(eb.xattrs)
        for names in (xa, xb):
            for n in list(names):
                if args.ignore_acl and n.startswith("system.posix_acl_"):
                    del names[n]
                elif n in args.ignore_xattr:
                    del names[n]
        for n in sorted(set(xa) | set(xb)):
            if n not in xb:
                diff(rel, f"xattr {n} missing in {dst}")
            elif n not in xa:
                diff(rel, f"xattr {n} only in {dst}")
            elif xa[n] != xb[n]:
                diff(rel, f"xattr {n} value {xa[n]!r} != {xb[n]!r}")

    # Hard links: same groups of paths. Paths missing on one side were
    # reported above; compare groups restricted to common paths.
    common = set(a.entries) & set(b.entries)
    ga = {tuple(p for p in g if p in common) for g in a.link_groups().values()}
    gb = {tuple(p for p in g if p in common) for g in b.link_groups().values()}
    ga = {g for g in ga if len(g) > 1}
    gb = {g for g in gb if len(g) > 1}
    for g in sorted(ga - gb):
        diff(g[0], "hard-link group not kept: " + ", ".join(show(p) for p in g))
    for g in sorted(gb - ga):
        diff(g[0], "unexpected hard-link group: " + ", ".join(show(p) for p in g))

    return diffs, len(a.entries)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--ignore", action="append", default=[], metavar="PATH",
                    help="relative path (starting with /) to skip with everything below it")
    ap.add_argument("--ignore-acl", action="store_true", help="ignore system.posix_acl_* xattrs")
    ap.add_argument("--ignore-xattr", action="append", default=[], metavar="NAME",
                    help="ignore this xattr name")
    ap.add_argument("--no-root-meta", action="store_true", help="skip owner/mode/mtime of the root")
    args = ap.parse_args()
    for p in args.ignore:
        if not p.startswith("/"):
            ap.error(f"--ignore {p}: paths are relative to the tree roots and start with '/'")
    for d in (args.src, args.dst):
        if not os.path.isdir(d):
            ap.error(f"{d}: not a directory")

    diffs, count = compare(args.src, args.dst, args)
    for d in diffs:
        print(d)
    if diffs:
        print(f"treecmp: {len(diffs)} difference(s) in {count} entries", file=sys.stderr)
        return 1
    print(f"treecmp: {count} entries identical", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
