"""bindings/gen.py is a real generator: a function, an enum value and an
option-table row added to a copy of the header appear in both outputs, and
the committed raw layers are what it generates from the real header."""
import os
import re
import shutil
import subprocess
import sys

import pytest

import llmkit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GEN = os.path.join(ROOT, "bindings", "gen.py")
HEADER = os.path.join(ROOT, "include", "llmkit.h")

ADDED = """
/** Frobs a client n times (test addition). */
LLMK_API llmk_status llmk_test_frob(llmk_client *client, int64_t n, const char *label, const uint8_t *data,
                                    size_t len, double *out);

/** Test callback. */
typedef int32_t (*llmk_test_fn)(const llmk_response *response, size_t index, void *user);

/** Test handle. */
typedef struct llmk_test_thing llmk_test_thing;

enum llmk_test_color { LLMK_TEST_RED = 7, LLMK_TEST_GREEN };

LLMK_API const llmk_test_thing *llmk_test_thing_get(llmk_test_fn fn, void *user);

#endif /* LLMKIT_H */
"""


def generate(tmp_path, header_text):
    h = tmp_path / "llmkit.h"
    h.write_text(header_text)
    py, go = tmp_path / "_raw.py", tmp_path / "raw.go"
    p = subprocess.run([sys.executable, GEN, "--header", str(h), "--python", str(py), "--go", str(go)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, p.stderr
    return py.read_text(), go.read_text()


def test_added_declarations_are_emitted(tmp_path):
    text = open(HEADER).read()
    assert text.rstrip().endswith("#endif /* LLMKIT_H */")
    text = text.rstrip()[: -len("#endif /* LLMKIT_H */")] + ADDED
    # One more row in the option table.
    text = text.replace('X(PRESENCE_PENALTY, 3005, R, "presence_penalty", "-2.0..2.0 (chat)")',
                        'X(PRESENCE_PENALTY, 3005, R, "presence_penalty", "-2.0..2.0 (chat)") \\\n'
                        '\tX(TEST_KNOB, 3099, CR, "test_knob", "a knob, \\"quoted\\"")')
    py, go = generate(tmp_path, text)

    assert ('llmk_test_frob = bind(_lib, _missing, "llmk_test_frob", c_int32, '
            '[POINTER(llmk_client), c_int64, c_char_p, c_void_p, c_size_t, POINTER(c_double)])') in py
    assert "# Frobs a client n times (test addition)." in py
    assert "llmk_test_fn = CFUNCTYPE(c_int32, POINTER(llmk_response), c_size_t, c_void_p)" in py
    assert "class llmk_test_thing(Structure):" in py
    assert ('llmk_test_thing_get = bind(_lib, _missing, "llmk_test_thing_get", POINTER(llmk_test_thing), '
            '[llmk_test_fn, c_void_p])') in py
    assert "LLMK_TEST_RED = 7" in py and "LLMK_TEST_GREEN = 8" in py
    assert "class TestColor(enum.IntEnum):" in py
    assert '("TEST_KNOB", 3099, "CR", "test_knob", "a knob, \\"quoted\\""),' in py
    assert "LLMK_OPT_TEST_KNOB = 3099" in py

    assert re.search(r"func llmk_test_frob\(client \*C\.llmk_client, n int64, label \*C\.char, data \*C\.uint8_t, "
                     r"len_ int, out \*C\.double\) int32 \{\n\treturn int32\(C\.llmk_test_frob\(client, C\.int64_t\(n\), "
                     r"label, data, C\.size_t\(len_\), out\)\)", go), go[-3000:]
    assert "// Frobs a client n times (test addition)." in go
    assert "func llmk_test_thing_get(fn C.llmk_test_fn, user unsafe.Pointer) *C.llmk_test_thing {" in go
    assert re.search(r"TestColorRed\s+TestColor = 7", go) and re.search(r"TestColorGreen\s+TestColor = 8", go)
    assert re.search(r'\{"TEST_KNOB", 3099, "CR", "test_knob", "a knob, \\"quoted\\""\},', go)

    # The emitted Python loads against the real (older) library: the added
    # functions become stubs raising MissingSymbolError; the rest works.
    pkg = tmp_path / "pkg" / "llmkit_copy"
    shutil.copytree(os.path.dirname(llmkit.__file__), pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "_raw.py").write_text(py)
    (pkg / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path / "pkg"))
    try:
        import llmkit_copy._raw as raw2
    finally:
        sys.path.pop(0)
    assert raw2.has_symbol("llmk_version") and not raw2.has_symbol("llmk_test_frob")
    with pytest.raises(raw2.MissingSymbolError, match="llmk_test_frob"):
        raw2.llmk_test_frob(None, 1, b"", None, 0, None)
    assert raw2.llmk_version_number() == llmkit.raw.llmk_version_number()


def test_committed_layers_are_fresh(tmp_path):
    py, go = generate(tmp_path, open(HEADER).read())
    py = py.replace(str(tmp_path / "llmkit.h"), "include/llmkit.h")
    assert py == open(os.path.join(ROOT, "bindings", "python", "llmkit", "_raw.py")).read()
    assert go == open(os.path.join(ROOT, "bindings", "go", "raw.go")).read()


def test_unmappable_type_is_refused(tmp_path):
    text = open(HEADER).read().replace("#endif /* LLMKIT_H */",
                                       "struct llmk_pt { int x; };\nLLMK_API void llmk_bad(struct llmk_pt p);\n"
                                       "#endif /* LLMKIT_H */")
    h = tmp_path / "llmkit.h"
    h.write_text(text)
    p = subprocess.run([sys.executable, GEN, "--header", str(h), "--python", str(tmp_path / "a.py"),
                        "--go", str(tmp_path / "a.go")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "llmk_bad" in p.stderr
