"""`DockerExecutor` and `AsyncExecutor`: run code through Stockade's runner.

Two backends give the same result dict:

* **URL mode** (``url=`` or ``STOCKADE_URL``): requests go to a running ``stockade serve``,
  which executes them in its warm pool of containers. ``token=`` or ``STOCKADE_TOKEN`` is the
  bearer token the server printed (or was given). A server in queue mode (``serve --queue``)
  also takes jobs and batches for its workers: ``submit``, ``submit_batch``, ``job``.
* **Local mode** (no URL): the runner's Rust executor runs in this process (the native
  module) against the Docker engine named by ``DOCKER_HOST``, creating one hardened container
  per execution.

Neither ever runs code outside a container, and there is no Docker code in Python.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    TypeVar,
    Union,
)

from . import _native
from ._config import DockerConfig, resolve
from ._errors import EngineUnavailable, QueueModeOff, StockadeError
from ._progress import progress_bar
from ._queue import AsyncBatch, Batch
from ._result import CleanupCount, Result

DataLike = Union[Mapping[str, Any], str, "os.PathLike[str]"]

Job = Union[str, Mapping[str, Any]]
"""A queue job: the code, or the dict ``POST /v1/execute`` takes (``code``, ``timeout_seconds``,
``memory_mb``, ``validate``, ``mode``, ``dataset``, ...), optionally with your ``job_id``."""

T = TypeVar("T")


def _stats(total: int, removed: int, failed: Sequence[str]) -> Dict[str, Any]:
    """The spec's cleanup statistics (``success`` of ``total``) plus the ids that stayed."""
    return {"total": total, "success": removed, "failed": len(failed), "failed_ids": list(failed)}


def write_frames(frames: Mapping[str, Any], directory: str) -> None:
    """Writes DataFrames where the sandbox's ``finlab.data.get(name)`` finds them.

    Each frame becomes a CSV file (its index as the first column, which the loader parses
    back, as dates when it looks like dates), and ``manifest.json`` maps every name to its
    file, so any name (``"price:close"``, non-ASCII) works.
    """
    manifest = {}
    for i, (name, frame) in enumerate(frames.items()):
        if not isinstance(name, str) or not name:
            raise TypeError(f"dataset names must be non-empty strings, not {name!r}")
        if hasattr(frame, "to_frame") and not hasattr(frame, "columns"):
            frame = frame.to_frame()  # a Series
        if not hasattr(frame, "to_csv"):
            raise TypeError(
                f"data[{name!r}] must be a pandas DataFrame or Series, not {type(frame).__name__}"
            )
        file_name = f"dataset_{i}.csv"
        frame.to_csv(os.path.join(directory, file_name))
        manifest[name] = file_name
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False)


class _LocalBackend:
    """The runner's executor in process (the native module, GIL released while it waits)."""

    def __init__(self, config: DockerConfig) -> None:
        self.config = config
        self._runner = _native.Runner(config._native)

    def execute(self, code: str, timeout: Optional[float], validate: bool, data: Optional[DataLike]) -> Result:
        if data is None:
            return Result(json.loads(self._runner.execute(code, timeout, validate, None)))
        if isinstance(data, Mapping):
            staging = tempfile.mkdtemp(prefix="stockade-frames-")
            try:
                write_frames(data, staging)
                return Result(json.loads(self._runner.execute(code, timeout, validate, staging)))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        path = os.fspath(data)
        if not os.path.isdir(path):
            raise StockadeError(f"data directory {path!r} does not exist or is not a directory")
        return Result(json.loads(self._runner.execute(code, timeout, validate, path)))

    def cleanup_all(self) -> Dict[str, Any]:
        return _stats(*self._runner.cleanup_all())

    def orphaned(self) -> List[Dict[str, Any]]:
        return json.loads(self._runner.orphaned_containers())

    def cleanup_orphaned(self) -> Dict[str, Any]:
        return _stats(*self._runner.cleanup_orphaned_containers())

    def close(self) -> None:
        self._runner.close()


class _HttpBackend:
    """A ``stockade serve`` over its HTTP API (standard library only)."""

    def __init__(
        self, url: str, token: Optional[str], config: Optional[DockerConfig], wait_for_cleanup: bool
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        # A config given in URL mode sets the per-request limits; the server's ceilings apply.
        self.config = config
        self.wait_for_cleanup = wait_for_cleanup
        self.call("GET", "/healthz", None)

    def _request(
        self, method: str, path: str, body: Optional[Dict[str, Any]], accept: str
    ) -> urllib.request.Request:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", accept)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        return request

    def _refused(self, path: str, err: urllib.error.HTTPError, payload: Any) -> StockadeError:
        """The exception for an error answer: its code and message when the API gave them."""
        detail = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(detail, dict):
            return StockadeError(f"{self.url}{path}: HTTP {err.code} {err.reason}")
        message = f"{self.url}{path}: HTTP {err.code} {detail.get('code')}: {detail.get('message')}"
        if detail.get("code") == "queue_mode_off":
            return QueueModeOff(message)
        return StockadeError(message)

    def _unreachable(self, err: Exception) -> EngineUnavailable:
        reason = getattr(err, "reason", err)
        return EngineUnavailable(f"cannot reach the Stockade server at {self.url}: {reason}")

    def call(self, method: str, path: str, body: Optional[Dict[str, Any]]) -> Any:
        """Sends a JSON request; returns the decoded answer."""
        try:
            with urllib.request.urlopen(self._request(method, path, body, "application/json")) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            payload = _json_or_none(err.read())
            # A refused execution (validation, a limit) is still a result: the spec returns it.
            if isinstance(payload, dict) and "success" in payload:
                return payload
            raise self._refused(path, err, payload) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            raise self._unreachable(err) from None

    def open(self, method: str, path: str, *, accept: str, timeout: Optional[float] = None) -> Any:
        """Sends a request and returns the open response, to be read as it comes (NDJSON, an
        event stream); ``timeout`` bounds each read. An error answer raises."""
        try:
            return urllib.request.urlopen(self._request(method, path, None, accept), timeout=timeout)
        except urllib.error.HTTPError as err:
            raise self._refused(path, err, _json_or_none(err.read())) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            raise self._unreachable(err) from None

    def job_body(self, job: Job, timeout: Optional[float], validate: bool) -> Dict[str, Any]:
        """The request body of one execution or job: ``job``'s code with this executor's
        limits, or ``job``'s own dict with them filling only the keys it leaves out."""
        body: Dict[str, Any] = {"validate": validate}
        if timeout is None and self.config is not None:
            timeout = self.config.timeout_seconds
        if timeout is not None:
            body["timeout_seconds"] = timeout
        if self.config is not None:
            body["memory_mb"] = self.config.memory_bytes // (1024 * 1024)
        if isinstance(job, str):
            body["code"] = job
            return body
        if isinstance(job, Mapping):
            body.update(job)
            return body
        raise TypeError(f"a job is a code string or a dict of the /v1/execute body, not {type(job).__name__}")

    def execute(self, code: str, timeout: Optional[float], validate: bool, data: Optional[DataLike]) -> Result:
        body = self.job_body(code, timeout, validate)
        # Only here: a queued job (submit) is run by a worker, which always waits.
        body["wait_for_cleanup"] = self.wait_for_cleanup
        if data is not None:
            if not isinstance(data, str) or os.path.isdir(data):
                raise StockadeError(
                    "in URL mode a strategy runs on one of the server's datasets: pass its "
                    "name (GET /v1/info lists them); DataFrames and local directories need "
                    "local mode (no url)"
                )
            body["mode"] = "strategy"
            body["dataset"] = data
        return Result(self.call("POST", "/v1/execute", body))

    def cleanup_all(self) -> Dict[str, Any]:
        # The server removes each request's container itself; what can be left is orphans.
        return self.cleanup_orphaned()

    def orphaned(self) -> List[Dict[str, Any]]:
        return list(self.call("GET", "/v1/containers", None)["orphaned"])

    def cleanup_orphaned(self) -> Dict[str, Any]:
        report = self.call("POST", "/v1/cleanup", {})
        return _stats(report["total"], report["removed"], report["failed"])

    def close(self) -> None:
        pass


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


class DockerExecutor:
    """Executes untrusted Python in Stockade's hardened, single-use containers.

    ``DockerExecutor()`` uses the ``stockade serve`` at ``STOCKADE_URL`` when that is set,
    else the runner in this process with :meth:`DockerConfig.default`. Raises
    :class:`EngineUnavailable` when neither the server nor the Docker engine answers.

    In URL mode, ``wait_for_cleanup=False`` lets the server answer as soon as the code has
    reported, before its container is removed; such a result has
    ``cleanup_success`` and ``exit_code`` ``None``, as the server sends them.

    >>> with DockerExecutor() as executor:                   # doctest: +SKIP
    ...     result = executor.execute("signal = 1 + 1")
    >>> result["success"], result["signal"]                  # doctest: +SKIP
    (True, 2)
    """

    def __init__(
        self,
        config: Optional[DockerConfig] = None,
        *,
        url: Optional[str] = None,
        token: Optional[str] = None,
        wait_for_cleanup: bool = True,
    ) -> None:
        """``config`` sets the limits (in URL mode: each request's, under the server's
        ceilings). ``url`` and ``token`` (else ``STOCKADE_URL`` and ``STOCKADE_TOKEN``) name
        a ``stockade serve``; without a URL the runner runs in this process.

        ``wait_for_cleanup`` (URL mode): ``True``, the default, has each answer of
        :meth:`execute` and :meth:`execute_strategy` wait for the container's removal, so
        ``cleanup_success`` is a bool as in the spec. ``False`` has the server answer first
        and finish the removal in the background (counted in its
        ``docker_container_cleanup_*_total`` metrics, retried by its orphan sweep):
        ``cleanup_success`` and ``exit_code`` are then ``None``. A server in queue mode
        always waits (its workers do). ``False`` without a URL raises :class:`ValueError`:
        in local mode nothing would finish the removal after the answer.
        """
        url = url or os.environ.get("STOCKADE_URL") or None
        token = token or os.environ.get("STOCKADE_TOKEN") or None
        if not wait_for_cleanup and not url:
            raise ValueError(
                "wait_for_cleanup=False needs URL mode (url= or STOCKADE_URL): only a "
                "stockade serve can remove the container after answering; in local mode "
                "the answer always waits for the removal"
            )
        self._backend: Union[_LocalBackend, _HttpBackend]
        if url:
            self._backend = _HttpBackend(url, token, config, wait_for_cleanup)
        else:
            self._backend = _LocalBackend(resolve(config))
        self._closed = False

    @property
    def url(self) -> Optional[str]:
        """The server's URL in URL mode, ``None`` in local mode."""
        return self._backend.url if isinstance(self._backend, _HttpBackend) else None

    @property
    def config(self) -> Optional[DockerConfig]:
        """The configuration in force (local mode) or the per-request limits (URL mode)."""
        return self._backend.config

    def _check_open(self) -> None:
        if self._closed:
            raise StockadeError("this executor is closed")

    def execute(self, code: str, timeout: Optional[float] = None, validate: bool = True) -> Result:
        """Runs ``code``; its result is the top-level variable ``signal``.

        ``timeout`` (seconds) may shorten the configured limit. ``validate=False`` skips the
        validator (the container still holds the code; a server may refuse it). Failures of
        the code (validation, exceptions, timeout, memory, a missing image) come back in the
        dict with ``success`` false and ``error`` set; only an unreachable engine or server
        raises.
        """
        self._check_open()
        return self._backend.execute(code, timeout, validate, None)

    def execute_strategy(
        self,
        code: str,
        data: DataLike,
        timeout: Optional[float] = None,
        validate: bool = True,
    ) -> Result:
        """Runs ``code``'s ``strategy(data)`` against market data; the result is its return.

        ``data`` is a dict of pandas DataFrames (``data.get(name)`` in the sandbox returns
        each), or a directory of ``.csv``/``.parquet`` files (and an optional
        ``manifest.json``) mounted read-only at ``/data``. In URL mode it is the name of one
        of the server's datasets.
        """
        self._check_open()
        return self._backend.execute(code, timeout, validate, data)

    def map(
        self,
        codes: Iterable[str],
        *,
        concurrency: int = 4,
        timeout: Optional[float] = None,
        validate: bool = True,
        progress: Optional[bool] = None,
    ) -> List[Result]:
        """Executes many programs, at most ``concurrency`` at a time; results in input order.

        A tqdm progress bar is drawn when tqdm is installed (``progress=False`` turns it off).
        """
        self._check_open()
        if concurrency < 1:
            raise ValueError(f"concurrency: {concurrency} must be at least 1")
        items = list(codes)
        bar = progress_bar(len(items), progress)
        results: List[Optional[Result]] = [None] * len(items)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = {
                    pool.submit(self.execute, code, timeout, validate): i
                    for i, code in enumerate(items)
                }
                for future in concurrent.futures.as_completed(futures):
                    results[futures[future]] = future.result()
                    if bar is not None:
                        bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        return [r for r in results if r is not None]

    def _queue(self) -> _HttpBackend:
        self._check_open()
        if isinstance(self._backend, _HttpBackend):
            return self._backend
        raise QueueModeOff(
            "jobs and batches need a queue server: DockerExecutor(url=..., token=...) of a "
            "`stockade serve --queue redis://...` with `stockade worker`s; this executor runs "
            "code in this process (map() runs a batch here)"
        )

    def submit_batch(
        self,
        programs: Iterable[Job],
        *,
        timeout: Optional[float] = None,
        validate: bool = True,
    ) -> Batch:
        """Puts programs on the server's queue as one batch (one request, all or none, at
        most 10,000) for its workers to run; returns the :class:`Batch` to follow.

        Each program is code, or a job dict (the ``/v1/execute`` body, optionally with your
        ``job_id``); ``timeout`` and ``validate`` apply where a dict does not say. Needs URL
        mode and a server in queue mode (else :class:`QueueModeOff`); a job the server
        refuses (its limits, a duplicate ``job_id``, a full queue) raises
        :class:`StockadeError` and enqueues nothing.
        """
        backend = self._queue()
        jobs = [backend.job_body(program, timeout, validate) for program in programs]
        answer = backend.call("POST", "/v1/batches", {"jobs": jobs})
        return Batch(backend, str(answer["batch_id"]), [str(j) for j in answer["job_ids"]])

    def submit(self, program: Job, *, timeout: Optional[float] = None, validate: bool = True) -> str:
        """Puts one program (code or a job dict, as for :meth:`submit_batch`) on the server's
        queue; returns its job id for :meth:`job`."""
        backend = self._queue()
        answer = backend.call("POST", "/v1/jobs", backend.job_body(program, timeout, validate))
        return str(answer["job_ids"][0])

    def job(self, job_id: str) -> Dict[str, Any]:
        """A queued job's ``state`` (``queued``, ``running``, ``succeeded``, ``failed``,
        ``dead``, ``cancelled``), ``attempts``, ``worker``, ``last_error`` and, once stored,
        its ``result``. An unknown id raises :class:`StockadeError`."""
        path = "/v1/jobs/" + urllib.parse.quote(job_id, safe="")
        return dict(self._queue().call("GET", path, None))

    def cleanup_all(self) -> Dict[str, Any]:
        """Removes every container this executor created (in URL mode: the server's
        orphans). Returns ``{"total", "success", "failed", "failed_ids"}``."""
        if self._closed:
            return _stats(0, 0, [])
        return self._backend.cleanup_all()

    def get_orphaned_containers(self) -> List[Dict[str, Any]]:
        """Containers left behind by dead runners (or unused ones of this runner)."""
        self._check_open()
        return self._backend.orphaned()

    def cleanup_orphaned_containers(self) -> CleanupCount:
        """Removes :meth:`get_orphaned_containers`; returns how many were removed, an ``int``
        that also answers to the keys of :meth:`cleanup_all`'s statistics (``total``,
        ``success``, ``failed``, ``failed_ids``)."""
        self._check_open()
        return CleanupCount(self._backend.cleanup_orphaned())

    def close(self) -> None:
        """Removes what is left of this executor's containers and disconnects. Idempotent."""
        if not self._closed:
            self._closed = True
            self._backend.close()

    def __enter__(self) -> "DockerExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncExecutor:
    """:class:`DockerExecutor` for asyncio: each call runs in a worker thread (the native
    module releases the GIL), at most ``concurrency`` at a time.

    >>> async def main():                                    # doctest: +SKIP
    ...     async with AsyncExecutor() as executor:
    ...         return await executor.map(["signal = 1", "signal = 2"])
    """

    def __init__(
        self,
        config: Optional[DockerConfig] = None,
        *,
        url: Optional[str] = None,
        token: Optional[str] = None,
        concurrency: int = 4,
        wait_for_cleanup: bool = True,
    ) -> None:
        """``config``, ``url``, ``token`` and ``wait_for_cleanup`` are
        :class:`DockerExecutor`'s; ``concurrency`` bounds the calls running at once."""
        if concurrency < 1:
            raise ValueError(f"concurrency: {concurrency} must be at least 1")
        self._sync = DockerExecutor(
            config, url=url, token=token, wait_for_cleanup=wait_for_cleanup
        )
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="stockade"
        )
        self.concurrency = concurrency

    @property
    def executor(self) -> DockerExecutor:
        """The synchronous executor underneath."""
        return self._sync

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    async def execute(self, code: str, timeout: Optional[float] = None, validate: bool = True) -> Result:
        """See :meth:`DockerExecutor.execute`."""
        return await self._run(self._sync.execute, code, timeout, validate)

    async def execute_strategy(
        self, code: str, data: DataLike, timeout: Optional[float] = None, validate: bool = True
    ) -> Result:
        """See :meth:`DockerExecutor.execute_strategy`."""
        return await self._run(self._sync.execute_strategy, code, data, timeout, validate)

    async def map(
        self,
        codes: Iterable[str],
        *,
        timeout: Optional[float] = None,
        validate: bool = True,
        progress: Optional[bool] = None,
    ) -> List[Result]:
        """Executes many programs (``concurrency`` at a time); results in input order."""
        items = list(codes)
        bar = progress_bar(len(items), progress)

        async def one(code: str) -> Result:
            result = await self.execute(code, timeout, validate)
            if bar is not None:
                bar.update(1)
            return result

        try:
            return list(await asyncio.gather(*(one(code) for code in items)))
        finally:
            if bar is not None:
                bar.close()

    async def submit_batch(
        self,
        programs: Iterable[Job],
        *,
        timeout: Optional[float] = None,
        validate: bool = True,
    ) -> AsyncBatch:
        """See :meth:`DockerExecutor.submit_batch`; the batch's methods are coroutines."""
        batch = await self._run(
            lambda: self._sync.submit_batch(programs, timeout=timeout, validate=validate)
        )
        return AsyncBatch(batch, self._run)

    async def submit(self, program: Job, *, timeout: Optional[float] = None, validate: bool = True) -> str:
        """See :meth:`DockerExecutor.submit`."""
        return await self._run(lambda: self._sync.submit(program, timeout=timeout, validate=validate))

    async def job(self, job_id: str) -> Dict[str, Any]:
        """See :meth:`DockerExecutor.job`."""
        return await self._run(self._sync.job, job_id)

    async def cleanup_all(self) -> Dict[str, Any]:
        """See :meth:`DockerExecutor.cleanup_all`."""
        return await self._run(self._sync.cleanup_all)

    async def get_orphaned_containers(self) -> List[Dict[str, Any]]:
        """See :meth:`DockerExecutor.get_orphaned_containers`."""
        return await self._run(self._sync.get_orphaned_containers)

    async def cleanup_orphaned_containers(self) -> CleanupCount:
        """See :meth:`DockerExecutor.cleanup_orphaned_containers`."""
        return await self._run(self._sync.cleanup_orphaned_containers)

    async def close(self) -> None:
        """Closes the executor and its worker threads."""
        await self._run(self._sync.close)
        self._threads.shutdown(wait=False)

    async def __aenter__(self) -> "AsyncExecutor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
