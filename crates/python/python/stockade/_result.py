"""The execution result: the dict the spec's API returns, whose keys also read as attributes."""

from __future__ import annotations

from typing import Any, Dict


class Result(Dict[str, Any]):
    """An execution result: the spec's keys (``success``, ``signal``, ``error``,
    ``execution_time``, ``container_id``, ``validated``, ``cleanup_success``, ``logs``) plus
    the runner's (``stdout``, ``stderr``, ``exit_code``, ``timed_out``, ``oom_killed``,
    ``memory_peak_mb``, ``image``, ``image_variant``, ``image_versions``, ``runtime``,
    ``findings``, ...).

    It is a plain ``dict`` (``result["success"]``, ``json.dumps(result)``), and its keys read
    as attributes too (``result.success``, ``result.execution_time``), as the spec's strategy
    example reads them. That example's two other names are derived, not stored:
    ``memory_used_mb`` is ``memory_peak_mb`` (the container's peak memory, ``None`` when it
    was not measured), and ``metrics`` gathers the run's measurements (``execution_time``,
    ``memory_peak_mb``, ``exit_code``, ``timed_out``, ``oom_killed``). The sandbox runs the
    strategy, not a backtest: performance figures come from the caller's own backtest of
    ``signal``.

    >>> r = Result(success=True, execution_time=0.5, memory_peak_mb=42.0)
    >>> r.success, r["execution_time"], r.memory_used_mb
    (True, 0.5, 42.0)
    """

    __slots__ = ()

    MEASUREMENTS = ("execution_time", "memory_peak_mb", "exit_code", "timed_out", "oom_killed")

    def __getattr__(self, name: str) -> Any:
        if name == "memory_used_mb":
            return self.get("memory_peak_mb")
        if name == "metrics":
            return {key: self.get(key) for key in self.MEASUREMENTS}
        if not name.startswith("_") and name in self:
            return self[name]
        raise AttributeError(f"an execution result has no key {name!r}")


class CleanupCount(int):
    """The number of orphaned containers removed, as the spec's security document counts
    them (``orphaned_count = executor.cleanup_orphaned_containers()``), that also answers
    to the keys of :meth:`DockerExecutor.cleanup_all`'s statistics: ``total``, ``success``,
    ``failed`` and ``failed_ids``.

    >>> n = CleanupCount({"total": 3, "success": 2, "failed": 1, "failed_ids": ["c1"]})
    >>> n, n + 1, n["failed_ids"]
    (2, 3, ['c1'])
    """

    stats: Dict[str, Any]

    def __new__(cls, stats: Dict[str, Any]) -> "CleanupCount":
        count = super().__new__(cls, stats["success"])
        count.stats = dict(stats)
        return count

    def __getitem__(self, key: str) -> Any:
        return self.stats[key]
