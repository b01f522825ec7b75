"""`Batch` and `AsyncBatch`: a batch of jobs on a ``stockade serve --queue``.

The server puts the jobs on its Redis queue and ``stockade worker`` processes run them; a
batch is followed through the server's API: its counts (``GET /v1/batches/{id}``), its
progress events (``GET /v1/batches/{id}/events``, server-sent events), its results (paged
NDJSON, ``GET /v1/batches/{id}/results``) and cancellation (``DELETE``).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
)

from ._progress import advance_to_counts, progress_bar
from ._result import Result

if TYPE_CHECKING:
    from ._executor import _HttpBackend

MAX_PAGE = 1000
"""Jobs a page of results covers at most (the server's limit)."""

# The server sends an event every second and a keep-alive comment every 15 s: a minute of
# silence is a dead connection, not a slow batch.
_STALL_SECONDS = 60.0
# Pause before following a stream that broke off again, and between polls of AsyncBatch.wait
# (the server's own progress interval).
_PAUSE_SECONDS = 1.0


def sse_events(lines: Iterable[bytes]) -> Iterator[Tuple[str, str]]:
    """``(event, data)`` for each event of a ``text/event-stream``, as the SSE spec reads it:
    ``event`` defaults to ``message``, ``data`` lines are joined by newlines, comments (the
    keep-alives) and blocks without data are no events."""
    event = "message"
    data: List[str] = []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)


def _not_done(batch_id: str, timeout: Optional[float], counts: Dict[str, Any]) -> TimeoutError:
    return TimeoutError(
        f"batch {batch_id} not done within {timeout} s: "
        f"{counts.get('queued')} queued, {counts.get('running')} running"
    )


class Batch:
    """A batch submitted by :meth:`DockerExecutor.submit_batch`, run by the queue's workers.

    ``id`` is the batch's id, ``job_ids`` its jobs' ids in submission order (each result
    carries its ``job_id``).

    >>> batch = executor.submit_batch(["signal = 1", "signal = 2"])   # doctest: +SKIP
    >>> batch.wait(progress=True)["succeeded"]                         # doctest: +SKIP
    2
    >>> [r["signal"] for r in batch.results()]                         # doctest: +SKIP
    [1, 2]
    """

    def __init__(self, backend: "_HttpBackend", batch_id: str, job_ids: List[str]) -> None:
        self._backend = backend
        self.id = batch_id
        self.job_ids = job_ids

    def __len__(self) -> int:
        return len(self.job_ids)

    def __repr__(self) -> str:
        return f"Batch(id={self.id!r}, jobs={len(self.job_ids)})"

    def status(self) -> Dict[str, Any]:
        """The batch's counts: ``total``, ``queued``, ``running``, ``succeeded``, ``failed``,
        ``dead``, ``cancelled``, ``expired``, ``progress`` (0 to 1) and ``done`` (nothing
        queued or running any more)."""
        return dict(self._backend.call("GET", f"/v1/batches/{self.id}", None))

    def page(self, offset: int, limit: int = MAX_PAGE) -> Tuple[List[Result], Optional[int]]:
        """The stored results of jobs ``offset`` to ``offset + limit`` (submission order;
        jobs without a result yet are left out), and the offset of the next page, if any."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit: {limit} must be 1 to {MAX_PAGE}")
        path = f"/v1/batches/{self.id}/results?offset={int(offset)}&limit={limit}"
        with self._backend.open("GET", path, accept="application/x-ndjson") as response:
            body = response.read()
            following = response.headers.get("X-Next-Offset")
        results = [Result(json.loads(line)) for line in body.splitlines() if line.strip()]
        return results, None if following is None else int(following)

    def results(self, page_size: int = MAX_PAGE) -> Iterator[Result]:
        """Yields the stored results in submission order, each the dict ``execute`` returns
        plus its ``job_id``, fetching ``page_size`` jobs per request. Jobs without a result
        yet are skipped: call :meth:`wait` first to have them all."""
        offset: Optional[int] = 0
        while offset is not None:
            results, offset = self.page(offset, page_size)
            yield from results

    def wait(self, timeout: Optional[float] = None, progress: Optional[bool] = None) -> Dict[str, Any]:
        """Follows the batch's progress events until nothing is queued or running; returns the
        final counts (see :meth:`status`).

        A tqdm progress bar is drawn when tqdm is installed (``progress=False`` turns it off).
        ``timeout`` (seconds) raises ``TimeoutError`` once it has passed; it is checked at each
        event, about once a second. A stream that breaks off (a server restart, a proxy's idle
        timeout) is followed again.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = progress_bar(len(self.job_ids), progress, unit="job")
        try:
            while True:
                counts = self._follow(deadline, bar)
                if counts is None:
                    counts = self.status()
                    advance_to_counts(bar, counts)
                if counts.get("done"):
                    return counts
                if deadline is not None and time.monotonic() >= deadline:
                    raise _not_done(self.id, timeout, counts)
                time.sleep(_PAUSE_SECONDS)
        finally:
            if bar is not None:
                bar.close()

    def _follow(self, deadline: Optional[float], bar: Any) -> Optional[Dict[str, Any]]:
        """Reads the event stream until ``done``, the deadline or the stream's end; the last
        counts it carried (``None`` if none came)."""
        last = None
        response = self._backend.open(
            "GET", f"/v1/batches/{self.id}/events", accept="text/event-stream", timeout=_STALL_SECONDS
        )
        try:
            for event, data in sse_events(response):
                # An `error` event says Redis is restarting; the stream goes on.
                if event not in ("progress", "done"):
                    continue
                last = json.loads(data)
                advance_to_counts(bar, last)
                if event == "done" or (deadline is not None and time.monotonic() >= deadline):
                    break
        except (OSError, http.client.HTTPException):
            # Cut off mid-stream (including a read that stalled): the caller asks again.
            pass
        finally:
            response.close()
        return last

    def cancel(self) -> int:
        """Cancels the jobs no worker has taken yet; returns how many were."""
        return int(self._backend.call("DELETE", f"/v1/batches/{self.id}", None)["cancelled"])


class AsyncBatch:
    """:class:`Batch` for asyncio (from :meth:`AsyncExecutor.submit_batch`): each request
    runs in one of the executor's worker threads; :meth:`wait` polls the counts, so
    cancelling it leaves no thread behind."""

    def __init__(self, batch: Batch, run: Callable[..., Awaitable[Any]]) -> None:
        self._batch = batch
        self._run = run

    @property
    def id(self) -> str:
        """The batch's id."""
        return self._batch.id

    @property
    def job_ids(self) -> List[str]:
        """Its jobs' ids, in submission order."""
        return self._batch.job_ids

    def __len__(self) -> int:
        return len(self._batch)

    def __repr__(self) -> str:
        return f"AsyncBatch(id={self.id!r}, jobs={len(self)})"

    async def status(self) -> Dict[str, Any]:
        """See :meth:`Batch.status`."""
        counts: Dict[str, Any] = await self._run(self._batch.status)
        return counts

    async def results(self, page_size: int = MAX_PAGE) -> AsyncIterator[Result]:
        """See :meth:`Batch.results` (``async for result in batch.results()``)."""
        offset: Optional[int] = 0
        while offset is not None:
            results, offset = await self._run(self._batch.page, offset, page_size)
            for result in results:
                yield result

    async def wait(self, timeout: Optional[float] = None, progress: Optional[bool] = None) -> Dict[str, Any]:
        """See :meth:`Batch.wait`; this one asks for the counts once a second."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        bar = progress_bar(len(self), progress, unit="job")
        try:
            while True:
                counts = await self.status()
                advance_to_counts(bar, counts)
                if counts.get("done"):
                    return counts
                if deadline is not None and loop.time() >= deadline:
                    raise _not_done(self.id, timeout, counts)
                await asyncio.sleep(_PAUSE_SECONDS)
        finally:
            if bar is not None:
                bar.close()

    async def cancel(self) -> int:
        """See :meth:`Batch.cancel`."""
        cancelled: int = await self._run(self._batch.cancel)
        return cancelled
