"""PEP 517 backend of the llmkit Python package: meson-python, at the top of the source tree.

The package is built by the meson project two levels up (pyproject.toml and
meson.build at the top of the tree): the wheel compiles libllmkit and holds
it, and the sdist is the whole C source tree (`meson dist`). Both
pyproject.toml files name this backend, so `pip install .`, `pip install
./bindings/python` and `python -m build` in either place come here; every
hook changes to the top of the tree and calls meson-python's.

One change to meson-python's wheel: its tag. The package holds no extension
module, only libllmkit, which ctypes loads, so the wheel suits every Python 3
on its platform: py3-none-<platform> instead of cp3X-cp3X-<platform>.
docs/PACKAGING.md.
"""
import base64
import contextlib
import hashlib
import os
import zipfile

import mesonpy

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir))


@contextlib.contextmanager
def _at_root():
    for f in ("meson.build", "pyproject.toml"):
        if not os.path.isfile(os.path.join(ROOT, f)):
            raise RuntimeError("llmkit: %s not found: bindings/python builds from the llmkit source tree it sits "
                               "in; elsewhere, install the sdist (python -m build makes it)" % os.path.join(ROOT, f))
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(here)


def _abs(path):
    # Directories the frontend names are relative to where it started us.
    return None if path is None else os.path.abspath(path)


def get_requires_for_build_wheel(config_settings=None):
    with _at_root():
        return mesonpy.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    with _at_root():
        return mesonpy.get_requires_for_build_sdist(config_settings)


def get_requires_for_build_editable(config_settings=None):
    with _at_root():
        return mesonpy.get_requires_for_build_editable(config_settings)


def _retag(wheel_directory, name):
    """Renames and rewrites the wheel NAME as py3-none-<platform>; returns the new name."""
    dist, version, python, abi, platform = name[:-len(".whl")].split("-")
    if (python, abi) == ("py3", "none") or platform == "any":
        return name
    new_name = "-".join((dist, version, "py3", "none", platform)) + ".whl"
    old_path, new_path = os.path.join(wheel_directory, name), os.path.join(wheel_directory, new_name)
    info_dir = "%s-%s.dist-info/" % (dist, version)
    with zipfile.ZipFile(old_path) as src, zipfile.ZipFile(new_path, "w") as dst:
        wheel_meta = src.read(info_dir + "WHEEL").decode("utf-8")
        lines = [ln for ln in wheel_meta.splitlines() if not ln.startswith("Tag:")]
        lines += ["Tag: py3-none-%s" % p for p in platform.split(".")]
        wheel_meta = ("\n".join(lines) + "\n").encode("utf-8")
        digest = base64.urlsafe_b64encode(hashlib.sha256(wheel_meta).digest()).rstrip(b"=").decode("ascii")
        for item in src.infolist():
            data = src.read(item)
            if item.filename == info_dir + "WHEEL":
                data = wheel_meta
            elif item.filename == info_dir + "RECORD":
                record = []
                for ln in data.decode("utf-8").splitlines():
                    if ln.startswith(info_dir + "WHEEL,"):
                        ln = "%sWHEEL,sha256=%s,%d" % (info_dir, digest, len(wheel_meta))
                    record.append(ln)
                data = ("\n".join(record) + "\n").encode("utf-8")
            dst.writestr(item, data)
    os.remove(old_path)
    return new_name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_directory, metadata_directory = _abs(wheel_directory), _abs(metadata_directory)
    with _at_root():
        name = mesonpy.build_wheel(wheel_directory, config_settings, metadata_directory)
    return _retag(wheel_directory, name)


def build_sdist(sdist_directory, config_settings=None):
    sdist_directory = _abs(sdist_directory)
    with _at_root():
        return mesonpy.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_directory, metadata_directory = _abs(wheel_directory), _abs(metadata_directory)
    with _at_root():
        return mesonpy.build_editable(wheel_directory, config_settings, metadata_directory)
