"""Unpack wheels into a site directory and byte-compile them.

Run inside the new root filesystem (mmdebstrap customize hook) by its own
python3: `python3 -I install-wheels.py SITE_DIR WHEEL...`. The image has no pip;
a wheel is a zip archive whose top-level entries belong in SITE_DIR.
The bytecode uses unchecked hashes: the read-only image can never change the
sources, and containers cannot write __pycache__.
"""

import compileall
import os
import py_compile
import sys
import zipfile


def install(site, wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        for name in names:
            target = os.path.realpath(os.path.join(site, name))
            if not target.startswith(os.path.realpath(site) + os.sep):
                raise SystemExit(f"{wheel}: entry {name!r} escapes {site}")
        archive.extractall(site)
    tops = sorted({n.split("/", 1)[0] for n in names if "/" in n and not n.split("/", 1)[0].endswith(".data")})
    for top in tops:
        path = os.path.join(site, top)
        if os.path.isdir(path) and not top.endswith(".dist-info"):
            ok = compileall.compile_dir(
                path,
                quiet=1,
                workers=1,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            if not ok:
                raise SystemExit(f"{wheel}: byte-compiling {top} failed")


def main():
    site, wheels = sys.argv[1], sys.argv[2:]
    for wheel in wheels:
        install(site, wheel)
        print(f"installed {os.path.basename(wheel)}")


if __name__ == "__main__":
    main()
