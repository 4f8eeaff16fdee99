#!/usr/bin/env python3
"""The version is set once, in meson.build's project(); everything that must
repeat it agrees with it (docs/PACKAGING.md):

  include/llmkit.h      LLMK_VERSION_MAJOR/MINOR/PATCH/STRING
  bindings/python       llmkit/_raw.py's LLMK_VERSION_STRING (llmkit.__version__)
  bindings/go           raw.go's VersionString
  debian/changelog      the upstream part of the newest entry

The library's soname version, llmkit.pc, the CMake package's version file and
the Python wheel's metadata are generated from project() and need no check.

Usage: check_versions.py SOURCE_ROOT PROJECT_VERSION
"""
import os
import re
import sys


def main():
    root, version = sys.argv[1], sys.argv[2]
    major, minor, patch = (int(x) for x in version.split(".")[:3])
    errors = []

    def expect(where, what, got, want):
        if got != want:
            errors.append("%s: %s is %r, meson.build's project() version says %r" % (where, what, got, want))

    def read(rel):
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return f.read()

    def find(rel, pattern, what):
        m = re.search(pattern, read(rel), re.M)
        if not m:
            errors.append("%s: %s not found (pattern %s)" % (rel, what, pattern))
            return None
        return m.group(1)

    h = "include/llmkit.h"
    for name, want in (("MAJOR", major), ("MINOR", minor), ("PATCH", patch)):
        got = find(h, r"^#define LLMK_VERSION_%s (\d+)" % name, "LLMK_VERSION_" + name)
        if got is not None:
            expect(h, "LLMK_VERSION_" + name, int(got), want)
    expect(h, "LLMK_VERSION_STRING", find(h, r'^#define LLMK_VERSION_STRING "([^"]*)"', "LLMK_VERSION_STRING"),
           version)
    py = "bindings/python/llmkit/_raw.py"
    expect(py, "LLMK_VERSION_STRING", find(py, r'^LLMK_VERSION_STRING = "([^"]*)"', "LLMK_VERSION_STRING"), version)
    go = "bindings/go/raw.go"
    expect(go, "VersionString", find(go, r'^\s*VersionString\s*=\s*"([^"]*)"', "VersionString"), version)
    ch = "debian/changelog"
    deb = find(ch, r"^llmkit \(([^)]*)\)", "the newest entry's version")
    if deb is not None:
        upstream = re.sub(r"^\d+:", "", deb).rsplit("-", 1)[0]
        upstream = re.split(r"[~+]", upstream)[0]
        expect(ch, "the newest entry's upstream version", upstream, version)

    for e in errors:
        print("FAIL: " + e)
    if not errors:
        print("ok: version %s everywhere" % version)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
