"""Stockade's exceptions (defined in the native module so Rust and Python raise the same types)."""

from __future__ import annotations

from . import _native

StockadeError = _native.StockadeError
"""Base class of Stockade's errors (a ``RuntimeError``, as the spec's errors were)."""

EngineUnavailable = _native.EngineUnavailable
"""The Docker engine, or the ``stockade serve`` at the URL, does not answer.

Stockade never runs code outside a container, so there is no fallback.
"""

ValidationRejected = _native.ValidationRejected
"""Raised by :func:`stockade.check` when the validator rejects the code.

``DockerExecutor.execute`` never raises it: as in the spec, a rejected execution is a result
dict with ``success`` false and the reason in ``error``. ``args[1]`` holds the findings.
"""

__all__ = ["StockadeError", "EngineUnavailable", "ValidationRejected"]
