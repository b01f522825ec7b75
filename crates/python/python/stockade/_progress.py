"""The tqdm progress bar of ``map`` and ``Batch.wait`` (tqdm is optional)."""

from __future__ import annotations

from typing import Any, Mapping, Optional


def progress_bar(total: int, enabled: Optional[bool], unit: str = "run") -> Any:
    """A tqdm bar when asked for (or, by default, when tqdm is installed), else ``None``."""
    if enabled is False:
        return None
    try:
        from tqdm.auto import tqdm  # type: ignore[import-not-found]
    except ImportError:
        return None
    return tqdm(total=total, desc="stockade", unit=unit)


def advance_to_counts(bar: Any, counts: Mapping[str, Any]) -> None:
    """Moves ``bar`` to a batch's settled jobs (those neither queued nor running)."""
    if bar is None:
        return
    settled = int(counts.get("total", 0)) - int(counts.get("queued", 0)) - int(counts.get("running", 0))
    if settled > bar.n:
        bar.update(settled - bar.n)
