"""Stockade's exceptions (those Rust raises are defined in the native module, so Rust and
Python raise the same types)."""

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


class QueueModeOff(StockadeError):
    """Jobs and batches need a ``stockade serve --queue``: raised in local mode (no URL), and
    when the server at the URL runs code itself (HTTP 404 ``queue_mode_off``).

    Only Python raises it, so it is defined here rather than in the native module.
    """


__all__ = ["StockadeError", "EngineUnavailable", "QueueModeOff", "ValidationRejected"]
