"""The validator in process: the spec's SecurityValidator, the typed API, CLI parity."""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

import stockade
from stockade import SecurityValidator


def test_spec_usage_rejects_dangerous_code_with_reasons() -> None:
    validator = SecurityValidator()
    is_valid, errors = validator.validate("import subprocess\nsubprocess.run(['id'])\n")
    assert is_valid is False
    assert errors and all(isinstance(e, str) for e in errors)
    assert errors[0].startswith("SBX101 line 1:8:")
    assert "subprocess" in errors[0]


def test_spec_usage_accepts_a_strategy() -> None:
    code = "import pandas as pd\nsignal = pd.DataFrame({'stock': ['AAPL'], 'position': [1.0]})\n"
    assert SecurityValidator().validate(code) == (True, [])


def test_allowed_imports_are_the_policy_allowlist() -> None:
    allowed = SecurityValidator().get_allowed_imports()
    assert "pandas" in allowed and "numpy" in allowed
    assert "os" not in allowed and "subprocess" not in allowed


def test_report_separates_errors_from_warnings_and_keeps_positions() -> None:
    report = SecurityValidator().get_validation_report("x = 1\nimport socket\n")
    assert report["is_valid"] is False
    assert len(report["errors"]) == 1 and report["warnings"] == []
    (finding,) = report["findings"]
    assert finding["code"] == "SBX101"
    assert (finding["line"], finding["column"]) == (2, 8)
    assert finding["rule"] and finding["help"]


def test_typed_findings_carry_code_rule_span_and_positions() -> None:
    source = "x = 'é'\nimport os\n"
    (finding,) = stockade.validate(source)
    assert isinstance(finding, stockade.Finding)
    assert finding.code == "SBX101" and finding.is_error
    assert finding.rule == next(r.name for r in stockade.rules() if r.code == "SBX101")
    # Byte offsets (UTF-8), columns in characters.
    assert source.encode()[finding.start:finding.end] == b"os"
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (2, 8, 2, 10)


def test_syntax_errors_are_findings_not_exceptions() -> None:
    (finding,) = stockade.validate("def f(:\n")
    assert finding.code == "SBX001" and finding.is_error


def test_rules_are_documented() -> None:
    rules = stockade.rules()
    codes = [r.code for r in rules]
    assert len(codes) == len(set(codes)) > 20
    assert all(r.doc and r.summary and r.severity in ("error", "warning") for r in rules)


def test_policy_as_dict_and_file_changes_the_verdict(tmp_path: pathlib.Path) -> None:
    source = "import numpy.linalg\n"
    assert stockade.validate(source) == []
    allowed = [m for m in SecurityValidator().get_allowed_imports() if m != "numpy.linalg"]
    narrow = {"allowed_imports": allowed}
    assert [f.code for f in stockade.validate(source, policy=narrow)] == ["SBX101"]
    path = tmp_path / "policy.yaml"
    path.write_text(json.dumps(narrow))  # YAML is a superset of JSON; the suffix decides
    assert not SecurityValidator(policy=path).validate(source)[0]
    assert SecurityValidator(policy=path).get_allowed_imports() == allowed


def test_bad_policy_raises_value_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="invalid policy"):
        stockade.load_policy({"allowed_imprts": []})


def test_check_raises_validation_rejected_with_findings() -> None:
    with pytest.raises(stockade.ValidationRejected) as caught:
        stockade.check("import os\n")
    assert isinstance(caught.value, stockade.StockadeError)
    assert "Security validation failed" in str(caught.value.args[0])
    assert caught.value.args[1][0].code == "SBX101"
    assert stockade.check("signal = 1\n") == []


def _corpus(repo: pathlib.Path) -> list:
    files = sorted((repo / "crates" / "validator" / "tests").rglob("*.py"))
    files += sorted((repo / "examples").rglob("*.py"))
    return files


def test_parity_with_the_cli_over_the_whole_corpus(repo: pathlib.Path, cli: str) -> None:
    files = _corpus(repo)
    assert len(files) > 300
    out = subprocess.run(
        [cli, "validate", "--format", "json", *map(str, files)],
        capture_output=True, text=True, cwd=repo,
    )
    assert out.returncode in (0, 1), out.stderr
    by_path: dict = {}
    for f in json.loads(out.stdout):
        by_path.setdefault(str((repo / f["path"]).resolve()), []).append(
            (f["code"], f["severity"], f["message"], f["span"]["start"], f["span"]["end"],
             f["start"]["line"], f["start"]["column"])
        )
    compared = 0
    for path in files:
        raw = path.read_bytes()
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # the CLI judges undecodable bytes; Python strings are text already
        if source.startswith("\ufeff") or b"coding" in raw[:200]:
            continue  # decoding (BOM, cookie) is the CLI's job for files, not for a str
        ours = [(f.code, f.severity, f.message, f.start, f.end, f.line, f.column)
                for f in stockade.validate(source)]
        assert ours == by_path.get(str(path.resolve()), []), path
        compared += 1
    assert compared > 300
