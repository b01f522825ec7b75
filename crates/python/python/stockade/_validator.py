"""The validator, in process: the same Rust rules as `stockade validate` and the runner."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import ValidationRejected

PolicyLike = Union["Policy", Mapping[str, Any], str, "os.PathLike[str]", None]

Policy = _native.Policy
"""A parsed validator policy. ``Policy()`` is the built-in default; see :func:`load_policy`."""


@dataclass(frozen=True)
class Finding:
    """One reason the code may not run (``severity == "error"``) or deserves a look."""

    code: str
    """Stable rule code, such as ``SBX101``."""
    rule: str
    """The rule's name, such as ``import-not-allowed`` (``stockade rules`` documents it)."""
    severity: str
    """``"error"`` (the code is rejected) or ``"warning"``."""
    message: str
    """One line naming the offending thing."""
    help: str
    """What to do instead."""
    start: int
    """Byte offset (UTF-8) where the finding starts."""
    end: int
    """Byte offset one past its end."""
    line: int
    """1-based line of the start."""
    column: int
    """1-based column of the start, in characters."""
    end_line: int
    """1-based line of the end."""
    end_column: int
    """1-based column of the end, in characters."""

    @property
    def is_error(self) -> bool:
        """True when this finding alone rejects the code."""
        return self.severity == "error"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.code} {self.message}"


@dataclass(frozen=True)
class RuleInfo:
    """A validator rule, as ``stockade rules`` lists it."""

    code: str
    name: str
    family: str
    severity: str
    summary: str
    doc: str
    """The rule's documentation (Markdown: what it does, why, an example)."""


def load_policy(policy: PolicyLike) -> Policy:
    """Turns what a caller may pass as ``policy`` into a parsed :class:`Policy`.

    ``None`` is the default policy; a mapping is a policy document; a path names a YAML or
    JSON file (JSON when it ends in ``.json`` or starts with ``{``, as the CLI decides).
    Raises ``ValueError`` for a policy the validator refuses.
    """
    if policy is None:
        return _native.Policy()
    if isinstance(policy, _native.Policy):
        return policy
    if isinstance(policy, Mapping):
        return _native.Policy.from_text(json.dumps(dict(policy)), True)
    path = os.fspath(policy)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    lower = path.lower()
    if lower.endswith(".json"):
        is_json = True
    elif lower.endswith((".yaml", ".yml")):
        is_json = False
    else:
        is_json = text.lstrip().startswith("{")
    return _native.Policy.from_text(text, is_json)


def validate(code: str, policy: PolicyLike = None) -> List[Finding]:
    """Validates ``code`` in process and returns its findings in source order.

    The code may run when no finding is an error (``all(not f.is_error for f in findings)``).
    Syntax errors are findings too, never exceptions.
    """
    return [Finding(*row) for row in _native.validate(code, load_policy(policy))]


def check(code: str, policy: PolicyLike = None) -> List[Finding]:
    """Like :func:`validate`, but raises :class:`ValidationRejected` when the code may not run.

    Returns the (warning) findings of accepted code.
    """
    findings = validate(code, policy)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise ValidationRejected(
            "Security validation failed: " + "; ".join(str(f) for f in errors), errors
        )
    return findings


def rules() -> List[RuleInfo]:
    """Every validator rule with its documentation."""
    return [RuleInfo(*row) for row in _native.rules()]


class SecurityValidator:
    """The spec's ``SecurityValidator``, backed by Stockade's Rust validator (no subprocess).

    >>> ok, errors = SecurityValidator().validate("import os")
    >>> ok, errors[0].startswith("SBX101")
    (False, True)
    """

    def __init__(self, policy: PolicyLike = None) -> None:
        self._policy = load_policy(policy)

    @property
    def policy(self) -> Policy:
        """The parsed policy every call uses."""
        return self._policy

    def validate(self, code: str) -> Tuple[bool, List[str]]:
        """Returns ``(is_valid, errors)``: ``errors`` names each blocking finding as
        ``"CODE line:column: message"``; warnings do not make code invalid."""
        findings = self.findings(code)
        errors = [_describe(f) for f in findings if f.is_error]
        return not errors, errors

    def validate_code(self, code: str) -> Tuple[bool, List[str]]:
        """:meth:`validate` under the name the spec's security document uses."""
        return self.validate(code)

    def findings(self, code: str) -> List[Finding]:
        """Every finding, warnings included (the typed form of :meth:`validate`)."""
        return validate(code, self._policy)

    def get_validation_report(self, code: str) -> Dict[str, Any]:
        """A report dict: ``is_valid``, ``errors``, ``warnings`` (strings), and ``findings``
        (dicts with code, rule, severity, message, help, span and positions)."""
        findings = self.findings(code)
        return {
            "is_valid": not any(f.is_error for f in findings),
            "errors": [_describe(f) for f in findings if f.is_error],
            "warnings": [_describe(f) for f in findings if not f.is_error],
            "findings": [f.__dict__.copy() for f in findings],
            "total_findings": len(findings),
        }

    def get_allowed_imports(self) -> List[str]:
        """The modules code may import under this validator's policy."""
        return list(self._policy.allowed_imports())


def _describe(finding: Finding) -> str:
    return f"{finding.code} line {finding.line}:{finding.column}: {finding.message}"
