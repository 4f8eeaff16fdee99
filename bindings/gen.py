#!/usr/bin/env python3
"""Generates the raw Python (ctypes) and Go (cgo) layers from include/llmkit.h.

The header is read through clang, never with regular expressions over C:

  * `clang -Xclang -ast-dump=json -fsyntax-only` gives every function (name,
    parameter and return types, doc comment), typedef (opaque handles,
    callback types, the callback tables and their fields) and enum (with
    each enumerator's value);
  * `clang -dM -E` gives the macros: object-like `LLMK_*` constants whose
    value is one integer or string literal, and the X-macro tables
    (`LLMK_*_TABLE(X)`), which are expanded by clang into an initialiser in
    a probe translation unit whose AST gives their rows.

Usage: bindings/gen.py [--header H] [--python OUT] [--go OUT] [--check]
Defaults write bindings/python/llmkit/_raw.py and bindings/go/raw.go from
include/llmkit.h. --check only compares and exits 1 when a file differs.
The environment variable CLANG names the clang binary (default "clang").
See bindings/README.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Column names of the X-macro tables, in order. A new table (or a changed
# one) makes the generator stop with a message rather than guess.
TABLE_COLUMNS = {
    "LLMK_STATUS_TABLE": ("name", "value", "message"),
    "LLMK_OPTION_TABLE": ("name", "id", "scope", "key", "doc"),
}

# Go names of enum types where the C name would read badly.
GO_ENUM_NAMES = {"llmk_status_code": "Status"}

# Words spelled in capitals in Go names.
GO_ACRONYMS = {"OK", "URL", "JSON", "ID", "HTTP", "API", "TTFT", "USD"}

INT_TYPES = {
    # C type: (ctypes, Go, C type for cgo conversion)
    "int32_t": ("c_int32", "int32", "C.int32_t"),
    "int64_t": ("c_int64", "int64", "C.int64_t"),
    "uint32_t": ("c_uint32", "uint32", "C.uint32_t"),
    "uint64_t": ("c_uint64", "uint64", "C.uint64_t"),
    "int16_t": ("c_int16", "int16", "C.int16_t"),
    "uint16_t": ("c_uint16", "uint16", "C.uint16_t"),
    "int8_t": ("c_int8", "int8", "C.int8_t"),
    "uint8_t": ("c_uint8", "uint8", "C.uint8_t"),
    "size_t": ("c_size_t", "int", "C.size_t"),
    "double": ("c_double", "float64", "C.double"),
    "float": ("c_float", "float32", "C.float"),
    "int": ("c_int", "int32", "C.int"),
    "char": ("c_char", "byte", "C.char"),
}


class GenError(Exception):
    pass


# --------------------------------------------------------------------------
# Reading the header through clang
# --------------------------------------------------------------------------

def clang():
    return os.environ.get("CLANG", "clang")


def run(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    except OSError as e:
        raise GenError("cannot run %s: %s" % (cmd[0], e))
    if p.returncode != 0:
        raise GenError("%s failed:\n%s" % (" ".join(cmd), p.stderr.decode(errors="replace")))
    return p.stdout.decode()


def ast_of(path):
    return json.loads(run([clang(), "-x", "c", "-std=c99", "-fsyntax-only", "-Xclang", "-ast-dump=json", path]))


def macros_of(path):
    """Object-like and function-like macro definitions named LLMK_*."""
    out = {}
    for line in run([clang(), "-x", "c", "-std=c99", "-dM", "-E", path]).splitlines():
        m = re.match(r"#define (LLMK_\w+)(\([^)]*\))? ?(.*)$", line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


def c_unescape(lit):
    """Value of a C string literal token (as clang prints it, quotes included)."""
    if not (lit.startswith('"') and lit.endswith('"')):
        raise GenError("not a string literal: %r" % lit)
    s, out, i = lit[1:-1], bytearray(), 0
    simple = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8, "f": 12, "v": 11}
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", s[i + 2:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out.append(simple[n])
            i += 2
    return out.decode()


def split_invocations(body, xname):
    """X(a, b, "c, d") X(...) -> [["a", "b", '"c, d"'], ...] (token level)."""
    rows, i = [], 0
    tok = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z_]\w*|-?\d+|[(),])')
    toks = []
    while i < len(body):
        m = tok.match(body, i)
        if not m:
            if body[i:].strip() == "":
                break
            raise GenError("cannot read macro table near %r" % body[i:i + 40])
        toks.append(m.group(1))
        i = m.end()
    j = 0
    while j < len(toks):
        if toks[j] != xname or toks[j + 1] != "(":
            raise GenError("unexpected %r in macro table" % toks[j])
        j += 2
        args, cur, depth = [], [], 0
        while True:
            t = toks[j]
            j += 1
            if t == "(":
                depth += 1
            elif t == ")":
                if depth == 0:
                    args.append(cur)
                    break
                depth -= 1
            elif t == "," and depth == 0:
                args.append(cur)
                cur = []
                continue
            cur.append(t)
        rows.append(args)
    return rows


def read_tables(header, macros):
    """Expands each LLMK_*_TABLE(X) through clang and returns {table: [row dicts]}."""
    tables = {}
    probe = ['#include "%s"' % os.path.abspath(header)]
    for name in sorted(macros):
        params, body = macros[name]
        if not name.endswith("_TABLE") or not params:
            continue
        xname = params.strip("()").strip()
        if name not in TABLE_COLUMNS:
            raise GenError("%s: unknown X-macro table; add its columns to TABLE_COLUMNS in bindings/gen.py" % name)
        cols = TABLE_COLUMNS[name]
        rows = split_invocations(body, xname)
        if not rows or any(len(r) != len(cols) for r in rows):
            raise GenError("%s: expected %d columns %s" % (name, len(cols), cols))
        # Identifier columns are stringified, the others are C expressions.
        first = rows[0]
        kinds = ["id" if re.match(r"^[A-Za-z_]\w*$", "".join(t)) else "expr" for t in first]
        ps = ", ".join("c%d" % i for i in range(len(cols)))
        init = ", ".join(("#c%d" if k == "id" else "c%d") % i for i, k in enumerate(kinds))
        probe.append("#define LLMK__GEN_ROW(%s) {%s}," % (ps, init))
        probe.append("static const struct { %s } llmk__gen_%s[] = { %s(LLMK__GEN_ROW) };" % (
            " ".join("const char *c%d;" % i if k == "id" or first[i][0].startswith('"') else "long long c%d;" % i
                     for i, k in enumerate(kinds)), name, name))
        probe.append("#undef LLMK__GEN_ROW")
        tables[name] = cols
    if not tables:
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write("\n".join(probe) + "\n")
        probe_path = f.name
    try:
        ast = ast_of(probe_path)
    finally:
        os.unlink(probe_path)
    out = {}
    for node in ast["inner"]:
        if node.get("kind") != "VarDecl" or not node.get("name", "").startswith("llmk__gen_"):
            continue
        name = node["name"][len("llmk__gen_"):]
        cols = tables[name]
        init = [n for n in node["inner"] if n["kind"] == "InitListExpr"][0]
        rows = []
        for row in init["inner"]:
            vals = [literal_of(e) for e in row["inner"]]
            rows.append(dict(zip(cols, vals)))
        out[name] = rows
    return out


def literal_of(node):
    """The value of a (possibly cast or folded) literal initialiser."""
    if node["kind"] == "StringLiteral":
        return c_unescape(node["value"])
    if node["kind"] == "IntegerLiteral":
        return int(node["value"])
    if node["kind"] == "ConstantExpr" and "value" in node:
        return int(node["value"])
    if "inner" in node and len(node["inner"]) == 1:
        return literal_of(node["inner"][0])
    raise GenError("table cell is not a literal: %s" % node["kind"])


def doc_of(node):
    """Doc comment text of a declaration (clang's FullComment), or ""."""
    texts = []

    def walk(n, para):
        if n.get("kind") == "TextComment":
            para.append(n["text"].strip())
        for c in n.get("inner", []):
            if c.get("kind") == "ParagraphComment":
                p = []
                walk(c, p)
                if any(p):
                    texts.append(" ".join(t for t in p if t))
            else:
                walk(c, para)

    for c in node.get("inner", []):
        if c.get("kind") == "FullComment":
            walk(c, [])
    return "\n\n".join(texts)


# --------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------

class CType:
    """A parsed C type: base name + pointer depth, or a function pointer."""

    def __init__(self, base=None, ptr=0, const=False, fn=None):
        self.base, self.ptr, self.const, self.fn = base, ptr, const, fn  # fn: (ret, [args])

    def __repr__(self):
        return "CType(%r, %d, fn=%r)" % (self.base, self.ptr, self.fn)


def split_top(s, sep=","):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def matching_open(s):
    """Index of the '(' matching the final ')' of s."""
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        if s[i] == ")":
            depth += 1
        elif s[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    raise GenError("unbalanced type %r" % s)


def parse_type(q):
    """Parses a clang qualType spelling such as 'const llmk_request *',
    'llmk_response **' or 'void *(*)(void *, size_t)'."""
    q = q.strip()
    if q.endswith(")") and "(*)" in q:
        i = matching_open(q)
        head, args = q[:i].strip(), q[i + 1:-1]
        if not head.endswith("(*)"):
            raise GenError("unsupported declarator %r" % q)
        ret = parse_type(head[:-3])
        params = [] if args.strip() in ("", "void") else [parse_type(a) for a in split_top(args)]
        return CType(fn=(ret, params))
    ptr = q.count("*")
    words = [w for w in q.replace("*", " ").split() if w not in ("const", "volatile", "restrict")]
    if words[:1] == ["struct"]:
        words = words[1:]
    if words == ["unsigned", "int"]:
        words = ["unsigned"]
    if len(words) != 1:
        raise GenError("unsupported type %r" % q)
    return CType(base=words[0], ptr=ptr, const=q.startswith("const"))


def function_type(q):
    """'ret (a, b)' -> (ret CType, [CType])."""
    i = matching_open(q)
    ret, args = q[:i].strip(), q[i + 1:-1]
    params = [] if args.strip() in ("", "void") else [parse_type(a) for a in split_top(args)]
    return parse_type(ret), params


# --------------------------------------------------------------------------
# The model of the header
# --------------------------------------------------------------------------

class Model:
    def __init__(self):
        self.defines = []    # (name, value)
        self.enums = []      # (name, doc, [(const, value, doc)])
        self.scalars = {}    # typedef name -> base type
        self.handles = []    # opaque typedefs, in header order
        self.callbacks = []  # (name, CType fn, doc)
        self.structs = []    # (name, [(field, CType)], doc)
        self.functions = []  # (name, ret CType, [(pname, CType)], doc)
        self.tables = {}     # table macro -> rows


def read_header(header):
    ast = ast_of(header)
    macros = macros_of(header)
    m = Model()
    records = {}
    for node in ast["inner"]:
        if node.get("kind") == "RecordDecl" and node.get("name", "").startswith("llmk_"):
            if node.get("completeDefinition"):
                records[node["name"]] = node
    seen = set()
    for node in ast["inner"]:
        kind, name = node.get("kind"), node.get("name", "")
        if kind == "EnumDecl" and name.startswith("llmk_"):
            consts, nxt = [], 0
            for c in node.get("inner", []):
                if c["kind"] != "EnumConstantDecl":
                    continue
                explicit = [x for x in c.get("inner", []) if x["kind"] == "ConstantExpr"]
                val = int(explicit[0]["value"]) if explicit else nxt
                nxt = val + 1
                if "__" not in c["name"]:
                    consts.append((c["name"], val, doc_of(c)))
            m.enums.append((name, doc_of(node), consts))
        elif kind == "TypedefDecl" and name.startswith("llmk_"):
            q = node["type"]["qualType"]
            t = parse_type(q)
            if t.fn:
                m.callbacks.append((name, t, doc_of(node)))
            elif t.ptr == 0 and t.base == name and name in records:
                fields = [(f["name"], parse_type(f["type"]["qualType"])) for f in records[name].get("inner", [])
                          if f["kind"] == "FieldDecl"]
                m.structs.append((name, fields, doc_of(node)))
            elif t.ptr == 0 and t.base == name:
                m.handles.append(name)
            elif t.ptr == 0 and t.base in INT_TYPES:
                m.scalars[name] = t.base
            else:
                raise GenError("typedef %s: unsupported type %r" % (name, q))
        elif kind == "FunctionDecl" and name.startswith("llmk_") and name not in seen:
            seen.add(name)
            ret, _ = function_type(node["type"]["qualType"])
            params = [(p.get("name") or "arg%d" % i, parse_type(p["type"]["qualType"]))
                      for i, p in enumerate(x for x in node.get("inner", []) if x["kind"] == "ParmVarDecl")]
            m.functions.append((name, ret, params, doc_of(node)))
    for name in sorted(macros):
        params, body = macros[name]
        if params or "__" in name:
            continue
        body = body.strip()
        v = re.match(r"^\(?(-?\d+)[uUlL]*\)?$", body)
        if v:
            m.defines.append((name, int(v.group(1))))
        elif re.match(r'^"(?:[^"\\]|\\.)*"$', body):
            m.defines.append((name, c_unescape(body)))
    m.tables = read_tables(header, macros)
    check(m)
    return m


def check(m):
    """Refuses what neither ctypes nor cgo can call (see STYLE.md)."""
    known = set(INT_TYPES) | {"void"} | set(m.scalars) | set(m.handles) | {s[0] for s in m.structs} | \
        {c[0] for c in m.callbacks}

    def ok(t, where):
        if t.fn:
            ok(t.fn[0], where)
            for a in t.fn[1]:
                ok(a, where)
            return
        if t.base not in known:
            raise GenError("%s: type %s is not one the bindings can map" % (where, t.base))
        if t.ptr == 0 and t.base in {s[0] for s in m.structs}:
            raise GenError("%s: struct %s passed by value" % (where, t.base))

    for name, ret, params, _ in m.functions:
        ok(ret, name)
        for p, t in params:
            ok(t, "%s(%s)" % (name, p))
    for name, t, _ in m.callbacks:
        ok(t, name)
    for name, fields, _ in m.structs:
        for f, t in fields:
            ok(t, "%s.%s" % (name, f))


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

def camel(words):
    return "".join(w.upper() if w.upper() in GO_ACRONYMS else w.capitalize() for w in words if w)


def common_prefix(names):
    if len(names) < 2:
        return ""
    parts = [n.split("_") for n in names]
    pre = []
    for col in zip(*parts):
        if all(c == col[0] for c in col):
            pre.append(col[0])
        else:
            break
    if any(len(p) == len(pre) for p in parts):  # never strip a whole name
        pre = pre[:-1]
    return "_".join(pre) + "_" if pre else ""


def strip_llmk(name):
    return re.sub(r"^(llmk_|LLMK_)", "", name)


def enum_class(name):
    return GO_ENUM_NAMES.get(name) or camel(strip_llmk(name).split("_"))


def enum_members(consts):
    pre = common_prefix([strip_llmk(c[0]) for c in consts])
    return [(c, strip_llmk(c[0])[len(pre):]) for c in consts]


# --------------------------------------------------------------------------
# Python
# --------------------------------------------------------------------------

def py_scalar(m, base):
    base = m.scalars.get(base, base)
    return INT_TYPES[base][0]


def py_type(m, t, param=False):
    if t.fn:
        ret = "None" if (t.fn[0].base == "void" and t.fn[0].ptr == 0) else py_type(m, t.fn[0])
        return "CFUNCTYPE(%s)" % ", ".join([ret] + [py_type(m, a, True) for a in t.fn[1]])
    if t.ptr == 0:
        if t.base == "void":
            return "None"
        if t.base in {c[0] for c in m.callbacks}:
            return t.base
        return py_scalar(m, t.base)
    if t.base == "void" and t.ptr == 1:
        return "c_void_p"
    if t.base == "char" and t.ptr == 1:
        return "c_char_p"  # NUL-terminated text; NULL <-> None
    if t.base == "uint8_t" and t.ptr == 1 and param:
        return "c_void_p"  # accepts bytes, bytearray views and ctypes arrays
    inner = CType(t.base, t.ptr - 1)
    if t.base == "char" and t.ptr == 2:
        return "POINTER(c_char_p)"
    if t.base in m.handles or t.base in {s[0] for s in m.structs}:
        return "POINTER(%s)" % (t.base if t.ptr == 1 else py_type(m, inner))
    if t.base == "void":
        return "POINTER(%s)" % py_type(m, inner)
    return "POINTER(%s)" % (py_scalar(m, t.base) if t.ptr == 1 else py_type(m, inner))


def py_comment(doc, indent=""):
    if not doc:
        return []
    out = []
    for para in doc.split("\n\n"):
        words, line = para.split(), ""
        for w in words:
            if len(line) + len(w) + 1 > 96:
                out.append(indent + "# " + line)
                line = w
            else:
                line = (line + " " + w).strip()
        if line:
            out.append(indent + "# " + line)
    return out


def py_repr(v):
    return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)


def emit_python(m, header_name):
    o = []
    w = o.append
    w('"""Raw ctypes layer for libllmkit, generated by bindings/gen.py from %s.' % header_name)
    w("")
    w("Do not edit: change the header and run bindings/gen.py. Every function of the")
    w("header is bound with argtypes and restype; a function the loaded library lacks")
    w("(an older release) is bound to a stub raising MissingSymbolError, and")
    w("has_symbol() tells. Importing checks llmk_version_number() against the header.")
    w('"""')
    w("# fmt: off")
    w("# flake8: noqa")
    w("import enum")
    w("from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_float, c_int, c_int8,")
    w("                    c_int16, c_int32, c_int64, c_size_t, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)")
    w("")
    w("from ._loader import MissingSymbolError, bind, check_version, load_library")
    w("")
    w("# ---- Constants (#define) " + "-" * 70)
    for name, v in m.defines:
        w("%s = %s" % (name, py_repr(v)))
    w("")
    w("# ---- Enumerations " + "-" * 77)
    for name, doc, consts in m.enums:
        w("")
        o.extend(py_comment(doc))
        for c, v, cdoc in consts:
            w("%s = %d%s" % (c, v, ("  # " + " ".join(cdoc.split())) if cdoc else ""))
        w("")
        w("")
        w("class %s(enum.IntEnum):" % enum_class(name))
        w('    """enum %s"""' % name)
        for (c, v, _), member in enum_members(consts):
            w("    %s = %d" % (member, v))
    w("")
    w("")
    w("# ---- X-macro tables " + "-" * 75)
    for tname, rows in sorted(m.tables.items()):
        cols = TABLE_COLUMNS[tname]
        w("")
        w("# %s: one tuple (%s) per row." % (tname, ", ".join(cols)))
        w("%s = (" % tname[len("LLMK_"):])
        for r in rows:
            w("    (%s)," % ", ".join(py_repr(r[c]) for c in cols))
        w(")")
    w("")
    w("# ---- Opaque handles " + "-" * 75)
    for h in m.handles:
        w("")
        w("")
        w("class %s(Structure):" % h)
        w('    """Opaque handle (typedef struct %s %s)."""' % (h, h))
    w("")
    w("")
    w("# ---- Callback types " + "-" * 75)
    for name, t, doc in m.callbacks:
        o.extend(py_comment(doc))
        w("%s = %s" % (name, py_type(m, t)))
    w("")
    w("# ---- Callback tables " + "-" * 74)
    for name, fields, doc in m.structs:
        w("")
        w("")
        w("class %s(Structure):" % name)
        w('    """struct %s (grows only at the end; struct_size first)."""' % name)
        w("    _fields_ = [")
        for f, t in fields:
            w('        ("%s", %s),' % (f, py_type(m, t)))
        w("    ]")
    w("")
    w("")
    w("# ---- Functions " + "-" * 80)
    w("_lib = load_library()")
    w("_missing = []")
    for name, ret, params, doc in m.functions:
        w("")
        o.extend(py_comment(doc))
        rt = "None" if (ret.base == "void" and ret.ptr == 0) else py_type(m, ret)
        args = ", ".join(py_type(m, t, True) for _, t in params)
        w("%s = bind(_lib, _missing, %s, %s, [%s])" % (name, py_repr(name), rt, args))
    w("")
    w("FUNCTIONS = (")
    for name, _, _, _ in m.functions:
        w("    %s," % py_repr(name))
    w(")")
    w("")
    w("")
    w("def has_symbol(name):")
    w('    """True when the loaded library exports `name` (a function of the header)."""')
    w("    return name in FUNCTIONS and name not in _missing")
    w("")
    w("")
    w("LIBRARY_PATH = _lib._name")
    w("LIBRARY_VERSION_NUMBER = check_version(llmk_version_number, LLMK_VERSION_NUMBER, LIBRARY_PATH)")
    return "\n".join(o) + "\n"


# --------------------------------------------------------------------------
# Go
# --------------------------------------------------------------------------

def go_type(m, t):
    """(Go parameter type, how to convert a Go value v to C, how to convert a C result r to Go)."""
    if t.fn:
        return "*[0]byte", "%s", "%s"
    if t.ptr == 0:
        if t.base in {c[0] for c in m.callbacks}:
            return "C.%s" % t.base, "%s", "%s"
        base = m.scalars.get(t.base, t.base)
        gt, ct = INT_TYPES[base][1], INT_TYPES[base][2]
        if t.base in m.scalars:
            ct = "C.%s" % t.base
        return gt, ct + "(%s)", gt + "(%s)"
    if t.base == "void" and t.ptr == 1:
        return "unsafe.Pointer", "%s", "%s"
    cname = t.base if (t.base in m.handles or t.base in {s[0] for s in m.structs}
                       or t.base in m.scalars or t.base in INT_TYPES and t.base != "int") else None
    if t.base == "char":
        cname = "char"
    if t.base == "void":
        cname = "void"
    if cname is None:
        raise GenError("no Go mapping for %r" % t)
    if cname == "void":
        gt = "*" * (t.ptr - 1) + "unsafe.Pointer"
    else:
        gt = "*" * t.ptr + "C." + cname
    return gt, "%s", "%s"


def go_comment(doc, name):
    if not doc:
        return ["// %s is the C function of the same name." % name]
    out = []
    for i, para in enumerate(doc.split("\n\n")):
        if i:
            out.append("//")
        words, line = para.split(), ""
        for wd in words:
            if len(line) + len(wd) + 1 > 96:
                out.append("// " + line)
                line = wd
            else:
                line = (line + " " + wd).strip()
        if line:
            out.append("// " + line)
    return out


GO_KEYWORDS = {"type", "func", "var", "range", "map", "chan", "go", "select", "default", "case", "len", "string",
               "interface", "package", "import", "return", "defer", "struct", "const", "fallthrough", "break",
               "continue", "goto", "switch", "if", "else", "for", "cap", "new", "make", "copy", "close", "append"}


def go_ident(n):
    return n + "_" if n in GO_KEYWORDS else n


def emit_go(m, header_name):
    o = []
    w = o.append
    w("// Code generated by bindings/gen.py from %s. DO NOT EDIT." % header_name)
    w("")
    w("package llmkit")
    w("")
    w("/*")
    # An installed libllmkit through pkg-config; -tags llmkit_build links a
    # build directory instead (builddir.go, zz_builddir.go).
    w("#cgo !llmkit_build pkg-config: llmkit")
    w("#include <stdlib.h>")
    w("#include <llmkit.h>")
    w("*/")
    w('import "C"')
    w("")
    w('import "unsafe"')
    w("")
    w("var _ unsafe.Pointer")
    w("")
    w("// Constants of the header (#define).")
    w("const (")
    for name, v in m.defines:
        w("\t%s = %s" % (camel(strip_llmk(name).split("_")), py_repr(v)))
    w(")")
    for name, doc, consts in m.enums:
        cls = enum_class(name)
        w("")
        for line in go_comment(doc or "enum %s." % name, cls)[:1]:
            pass
        dl = go_comment(doc, cls) if doc else []
        if dl:
            dl[0] = "// %s: %s" % (cls, dl[0][3:])
        else:
            dl = ["// %s: enum %s." % (cls, name)]
        o.extend(dl)
        w("type %s int32" % cls)
        w("")
        w("// Values of enum %s." % name)
        w("const (")
        for (c, v, cdoc), member in enum_members(consts):
            gname = cls + camel(member.split("_"))
            w("\t%s %s = %d // %s%s" % (gname, cls, v, c, (": " + " ".join(cdoc.split())) if cdoc else ""))
        w(")")
    for tname, rows in sorted(m.tables.items()):
        cols = TABLE_COLUMNS[tname]
        tn = camel(strip_llmk(tname).split("_"))
        rowt = tn + "Row"
        w("")
        w("// %s is one row of %s." % (rowt, tname))
        w("type %s struct {" % rowt)
        kinds = {}
        for c in cols:
            isstr = isinstance(rows[0][c], str)
            kinds[c] = isstr
            w("\t%s %s" % (camel(c.split("_")), "string" if isstr else "int64"))
        w("}")
        w("")
        w("// %s holds the rows of %s, in header order." % (tn, tname))
        w("var %s = []%s{" % (tn, rowt))
        for r in rows:
            w("\t{%s}," % ", ".join(py_repr(r[c]) for c in cols))
        w("}")
    w("")
    for h in m.handles:
        w("type c_%s = C.%s" % (h, h))
    for name, _, _ in m.structs:
        w("type c_%s = C.%s" % (name, name))
    for name, _, _ in m.callbacks:
        w("type c_%s = C.%s" % (name, name))
    for name, ret, params, doc in m.functions:
        w("")
        o.extend(go_comment(doc, name))
        ps, cargs = [], []
        for pn, t in params:
            gt, toc, _ = go_type(m, t)
            pn = go_ident(pn)
            ps.append("%s %s" % (pn, gt))
            cargs.append(toc % pn)
        call = "C.%s(%s)" % (name, ", ".join(cargs))
        if ret.base == "void" and ret.ptr == 0:
            w("func %s(%s) {" % (name, ", ".join(ps)))
            w("\t%s" % call)
        else:
            gt, _, fromc = go_type(m, ret)
            w("func %s(%s) %s {" % (name, ", ".join(ps), gt))
            w("\treturn %s" % (fromc % call))
        w("}")
    return gofmt("\n".join(o) + "\n")


def gofmt(src):
    """Formats Go source with gofmt (GOFMT, else gofmt on PATH, else $(go env GOROOT)/bin/gofmt)."""
    exe = os.environ.get("GOFMT") or shutil.which("gofmt")
    if not exe and shutil.which("go"):
        exe = os.path.join(run(["go", "env", "GOROOT"]).strip(), "bin", "gofmt")
    if not exe or not os.path.exists(exe) and not shutil.which(exe):
        raise GenError("gofmt not found (install Go or set GOFMT)")
    p = subprocess.run([exe], input=src.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        raise GenError("gofmt rejected the generated Go:\n" + p.stderr.decode(errors="replace"))
    return p.stdout.decode()


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--header", default=os.path.join(ROOT, "include", "llmkit.h"))
    ap.add_argument("--python", default=os.path.join(ROOT, "bindings", "python", "llmkit", "_raw.py"))
    ap.add_argument("--go", default=os.path.join(ROOT, "bindings", "go", "raw.go"))
    ap.add_argument("--check", action="store_true", help="compare only; exit 1 when a file is stale")
    a = ap.parse_args(argv)
    try:
        m = read_header(a.header)
    except GenError as e:
        print("gen.py: %s" % e, file=sys.stderr)
        return 2
    hname = "include/" + os.path.basename(a.header)
    outs = [(a.python, emit_python(m, hname)), (a.go, emit_go(m, hname))]
    stale = 0
    for path, text in outs:
        old = open(path).read() if os.path.exists(path) else None
        if old == text:
            continue
        if a.check:
            print("gen.py: %s is stale; run bindings/gen.py" % path, file=sys.stderr)
            stale = 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
    print("gen.py: %d functions, %d enums, %d handles, %d callback types, %d tables%s" % (
        len(m.functions), len(m.enums), len(m.handles), len(m.callbacks), len(m.tables),
        " (stale)" if stale else ""), file=sys.stderr)
    return stale


if __name__ == "__main__":
    sys.exit(main())
