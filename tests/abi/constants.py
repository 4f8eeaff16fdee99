#!/usr/bin/env python3
"""Lists every public enum constant of include/llmkit.h with its value,
one "NAME VALUE" per line, sorted by name (the ABI baseline's
abi/constants.txt), or compares such a list with a baseline.

Enum values never appear in the ELF/DWARF view abidiff compares (public
functions take int32_t), so they are checked here: a constant may be
added, never removed or renumbered (docs/ABI.md). Names starting with
LLMK__ are private (sentinels such as LLMK__STATUS_END) and not listed.

usage: constants.py list HEADER [CC]            print the list
       constants.py check HEADER BASELINE [CC]  exit 1 on a removed or changed value
"""
import os
import re
import subprocess
import sys
import tempfile


def enumerators(header, cc):
    # The X-macro tables expand only through the preprocessor.
    text = subprocess.run([cc, "-E", "-P", "-std=c99", "-x", "c", header], check=True, capture_output=True,
                          text=True).stdout
    names = []
    for body in re.findall(r"\benum\b[^{;]*\{(.*?)\}", text, flags=re.S):
        for item in body.split(","):
            m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", item)
            if m and m.group(1).startswith("LLMK_") and not m.group(1).startswith("LLMK__"):
                names.append(m.group(1))
    return sorted(set(names))


def values(header, cc):
    names = enumerators(header, cc)
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "c.c"), os.path.join(d, "c")
        with open(src, "w") as f:
            f.write("#include <stdio.h>\n#include \"%s\"\nint main(void)\n{\n" % os.path.abspath(header))
            for n in names:
                f.write("\tprintf(\"%%s %%lld\\n\", \"%s\", (long long)%s);\n" % (n, n))
            f.write("\treturn 0;\n}\n")
        subprocess.run([cc, "-std=c99", "-o", exe, src], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return dict(line.split() for line in out.splitlines())


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("list", "check"):
        print(__doc__)
        return 2
    mode, header = sys.argv[1], sys.argv[2]
    if mode == "list":
        cc = sys.argv[3] if len(sys.argv) > 3 else "cc"
        for n, v in sorted(values(header, cc).items()):
            print(n, v)
        return 0
    baseline_path = sys.argv[3]
    cc = sys.argv[4] if len(sys.argv) > 4 else "cc"
    now = values(header, cc)
    base = dict(l.split() for l in open(baseline_path) if l.strip())
    bad = 0
    for n, v in sorted(base.items()):
        if n not in now:
            print("INCOMPATIBLE: constant %s (= %s) was removed from %s" % (n, v, header))
            bad += 1
        elif now[n] != v:
            print("INCOMPATIBLE: constant %s changed value: %s in the baseline, %s now" % (n, v, now[n]))
            bad += 1
    added = sorted(set(now) - set(base))
    for n in added:
        print("added constant: %s = %s" % (n, now[n]))
    print("constants: %d in the baseline, %d now, %d added, %d removed or changed"
          % (len(base), len(now), len(added), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
