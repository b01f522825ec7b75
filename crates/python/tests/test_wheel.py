"""What the wheel installs: the CLI on PATH, type information, the version."""

from __future__ import annotations

import pathlib
import subprocess

import stockade


def test_cli_validate_works_from_the_wheel(cli: str, tmp_path: pathlib.Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("import numpy as np\nsignal = float(np.mean([1, 2]))\n")
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    assert subprocess.run([cli, "validate", str(good)], cwd=tmp_path).returncode == 0
    out = subprocess.run([cli, "validate", str(bad)], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 1 and "SBX101" in out.stdout


def test_package_is_typed() -> None:
    root = pathlib.Path(stockade.__file__).parent
    assert (root / "py.typed").is_file()
    assert (root / "_native.pyi").is_file()


def test_version_matches_the_cli(cli: str) -> None:
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == stockade.__version__
