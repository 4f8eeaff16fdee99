#!/usr/bin/env python3
"""Checks that three lists of the public API agree:

  1. the functions declared LLMK_API in include/llmkit.h,
  2. the symbols listed in lib/llmkit.map (the linker version script),
  3. the dynamic symbols the built libllmkit.so exports (nm -D --defined-only),
     each with the version node the map gives it.

Every disagreement is printed with the exact edit that fixes it.

usage: check_symbols.py HEADER MAP LIBRARY PROJECT_VERSION [NM]
"""
import re
import subprocess
import sys


def header_symbols(path):
    text = open(path, encoding="utf-8").read()
    # Blank out comments and preprocessor lines (the #define LLMK_API ...
    # themselves) but keep the line breaks, for line numbers.
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    text = re.sub(r"//[^\n]*", blank, text)
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", blank, text, flags=re.M)
    names = {}
    for m in re.finditer(r"\bLLMK_API\b([^;{]*?)\(", text):
        # The declared name is the last identifier before the first '('
        # (functions returning function pointers would need more; we have none).
        ids = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(1))
        if not ids:
            continue
        line = text.count("\n", 0, m.start()) + 1
        names[ids[-1]] = line
    return names


def map_symbols(path):
    """{symbol: node} and the list of nodes in file order."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"#[^\n]*", " ", text)
    syms, nodes, dups = {}, [], []
    for node, body in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\{(.*?)\}\s*[A-Za-z0-9_.]*\s*;", text, flags=re.S):
        nodes.append(node)
        section = None
        for tok in re.findall(r"[^\s;]+:|[^\s;:]+", body):
            if tok.endswith(":"):
                section = tok[:-1]
            elif section == "global":
                if tok in syms:
                    dups.append(tok)
                syms[tok] = node
    return syms, nodes, dups


def library_symbols(lib, nm):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2]
        if kind == "A":  # version node definitions (LLMK_0.1)
            continue
        version = None
        if "@" in name:
            name, _, version = name.partition("@")
            version = version.lstrip("@")
        syms[name] = version
    return syms


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    header, mapfile, lib, project_version = sys.argv[1:5]
    nm = sys.argv[5] if len(sys.argv) > 5 else "nm"
    declared = header_symbols(header)
    mapped, nodes, dups = map_symbols(mapfile)
    exported = library_symbols(lib, nm)

    major, minor = project_version.split(".")[:2]
    release_node = "LLMK_%s.%s" % (major, minor)
    problems = 0

    def report(msg):
        nonlocal problems
        problems += 1
        print("FAIL: " + msg)

    if not declared:
        report("no LLMK_API declarations found in %s (parser out of date?)" % header)
    if not nodes:
        report("no version node found in %s" % mapfile)
    for s in dups:
        report("%s is listed twice in %s: keep it only in the node of the release that introduced it" % (s, mapfile))

    missing_in_map = sorted(set(declared) - set(mapped))
    for s in missing_in_map:
        report("%s is declared LLMK_API in %s:%d but not listed in %s" % (s, header, declared[s], mapfile))
    if missing_in_map:
        lines = "".join("        \t%s;\n" % s for s in missing_in_map)
        if release_node in nodes:
            print("  => add to node %s of %s (this release, %s), before its `local:`:\n%s"
                  % (release_node, mapfile, project_version, lines), end="")
        else:
            print("  => add a node for this release (%s) at the end of %s:\n"
                  "        %s {\n        global:\n%s        } %s;\n"
                  % (project_version, mapfile, release_node, lines, nodes[-1] if nodes else ""), end="")
    for s in sorted(set(mapped) - set(declared)):
        report("%s is in %s (node %s) but not declared LLMK_API in %s.\n"
               "      declare it in the header with a doc comment; removing it from a published node\n"
               "      breaks the ABI (docs/ABI.md), only a node of an unreleased version may lose it"
               % (s, mapfile, mapped[s], header))
    for s in sorted(set(declared) - set(exported)):
        report("%s is declared LLMK_API in %s:%d but %s does not export it.\n"
               "      define it in lib/ (without `static`) in a file compiled into this build"
               % (s, header, declared[s], lib))
    for s in sorted(set(exported) - set(declared)):
        if s in mapped:
            continue  # reported above
        report("%s exports %s, which neither %s nor %s lists.\n"
               "      make it static or hidden (internal names start with llmk__), or declare it LLMK_API\n"
               "      and add it to node %s of the map" % (lib, s, header, mapfile, release_node))
    for s in sorted(set(exported) & set(mapped)):
        if exported[s] != mapped[s]:
            report("%s is exported with version %s but %s puts it in node %s (was the library relinked\n"
                   "      with this map? is the version script applied?)" % (s, exported[s] or "(none)", mapfile, mapped[s]))

    print("%d declared in %s, %d in %s (nodes: %s), %d exported by %s"
          % (len(declared), header, len(mapped), mapfile, ", ".join(nodes), len(exported), lib))
    if problems:
        print("%d problem(s)" % problems)
        return 1
    print("OK: header, version script and library agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
