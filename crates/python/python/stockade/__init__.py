"""Stockade for Python: validate and run untrusted, LLM-generated Python strategies.

A drop-in for the spec's API, backed by Stockade's Rust validator and runner::

    from stockade import DockerExecutor, DockerConfig, SecurityValidator

    ok, errors = SecurityValidator().validate(code)        # in process, microseconds
    with DockerExecutor() as executor:                     # hardened container per run
        result = executor.execute(code, timeout=60)

Typed additions: :func:`validate` and :func:`rules`, :class:`AsyncExecutor`, batch
``map`` with a concurrency limit, batches on a queue server (``submit_batch`` returns a
:class:`Batch` to wait for and read results from), and the exceptions :class:`StockadeError`,
:class:`EngineUnavailable`, :class:`QueueModeOff` and :class:`ValidationRejected`.
"""

from ._config import DEFAULT_IMAGE, DockerConfig, SecurityPolicy
from ._errors import EngineUnavailable, QueueModeOff, StockadeError, ValidationRejected
from ._executor import AsyncExecutor, DockerExecutor, Job
from ._result import CleanupCount, Result
from ._native import __version__
from ._queue import AsyncBatch, Batch
from ._validator import Finding, Policy, RuleInfo, SecurityValidator, check, load_policy, rules, validate

__all__ = [
    "AsyncBatch",
    "AsyncExecutor",
    "Batch",
    "CleanupCount",
    "DEFAULT_IMAGE",
    "DockerConfig",
    "DockerExecutor",
    "EngineUnavailable",
    "Finding",
    "Job",
    "Policy",
    "QueueModeOff",
    "Result",
    "RuleInfo",
    "SecurityPolicy",
    "SecurityValidator",
    "StockadeError",
    "ValidationRejected",
    "__version__",
    "check",
    "load_policy",
    "rules",
    "validate",
]
