"""Finds and loads libllmkit for the generated raw layer (_raw.py).

Search order:

1. ``LLMKIT_LIBRARY``: the path of the shared library to load.
2. The library inside this package: a wheel built by pip (meson-python)
   carries its own ``libllmkit.so.0`` next to this file.
3. The install prefix: ``pkg-config --variable=libdir llmkit`` when
   pkg-config knows llmkit, the Python prefix's ``lib`` directories, then
   the system's search (``ctypes.util.find_library``, i.e. ldconfig).
4. A build directory: ``LLMKIT_BUILD_DIR``, else ``build/`` of the source
   tree this package sits in (``bindings/python/llmkit`` -> ``../../..``).
"""
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys

_SONAMES = ("libllmkit.so.0", "libllmkit.so", "libllmkit.0.dylib", "libllmkit.dylib", "llmkit.dll")


class MissingSymbolError(AttributeError):
    """The loaded libllmkit is older than the header the bindings were generated from
    and lacks this function."""


def _candidates():
    env = os.environ.get("LLMKIT_LIBRARY")
    if env:
        yield env
        return
    bundled = bundled_library()
    if bundled:
        yield bundled
    dirs = []
    if shutil.which("pkg-config"):
        try:
            out = subprocess.run(["pkg-config", "--variable=libdir", "llmkit"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=10, check=False).stdout.decode().strip()
            if out:
                dirs.append(out)
        except (OSError, subprocess.SubprocessError):
            pass
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, "/usr/local")):
        dirs += [os.path.join(prefix, "lib"), os.path.join(prefix, "lib64")]
        dirs += [os.path.join(prefix, "lib", d) for d in ("x86_64-linux-gnu", "aarch64-linux-gnu")]
    for d in dirs:
        for so in _SONAMES:
            yield os.path.join(d, so)
    found = ctypes.util.find_library("llmkit")
    if found:
        yield found
    build = os.environ.get("LLMKIT_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "build")
    for so in _SONAMES:
        yield os.path.join(build, so)


def bundled_library():
    """The path of the libllmkit this package carries (a wheel built by pip), or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    for so in _SONAMES:
        if os.path.exists(os.path.join(here, so)):
            return os.path.join(here, so)
    return None


def load_library():
    """Loads libllmkit (see the module docstring); raises ImportError naming what was tried."""
    tried = []
    for path in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("llmkit: cannot find libllmkit; set LLMKIT_LIBRARY to its path. Tried: " + ", ".join(tried))


def bind(lib, missing, name, restype, argtypes):
    """Returns lib.name with restype/argtypes set, or a stub raising MissingSymbolError."""
    try:
        fn = getattr(lib, name)
    except AttributeError:
        missing.append(name)

        def stub(*args, **kwargs):
            raise MissingSymbolError("%s: not exported by the loaded libllmkit (%s), which is older than the "
                                     "header the bindings were generated from" % (name, lib._name))

        stub.__name__ = name
        return stub
    fn.restype = restype
    fn.argtypes = argtypes
    return fn


def check_version(version_fn, header_version, path):
    """Refuses a library of another major version than the header's; returns its version number."""
    try:
        have = int(version_fn())
    except MissingSymbolError:
        raise ImportError("llmkit: %s has no llmk_version_number(); not a libllmkit" % path)
    if have // 10000 != header_version // 10000:
        raise ImportError("llmkit: %s is version %d.%d.%d, the bindings need major version %d" % (
            path, have // 10000, have // 100 % 100, have % 100, header_version // 10000))
    return have
