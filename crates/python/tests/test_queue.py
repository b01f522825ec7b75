"""Queue mode from Python: batches and jobs on a `stockade serve --queue`, run by a real
`stockade worker` on the tests' own `redis-server`; the errors without a queue."""

from __future__ import annotations

import asyncio
import time

import pytest

from stockade import AsyncExecutor, DockerExecutor, QueueModeOff, StockadeError

from conftest import Server


def test_a_batch_runs_and_its_results_come_back_page_by_page(queue_server: Server, capsys) -> None:
    programs = [
        "signal = 0",
        {"code": "signal = 'mine'", "job_id": "py-own-id"},
        "import os",  # refused by the validator: a failed result, not an exception
        "signal = 3",
        "signal = 4",
    ]
    with DockerExecutor(url=queue_server.url, token=queue_server.token) as executor:
        batch = executor.submit_batch(programs)
        assert len(batch) == 5 and batch.job_ids[1] == "py-own-id"
        counts = batch.wait(progress=True)
        assert "5/5" in capsys.readouterr().err
        assert (counts["total"], counts["succeeded"], counts["failed"]) == (5, 4, 1), counts
        assert batch.status() == counts

        # Two jobs a page: three requests, each job's result once, in submission order.
        results = list(batch.results(page_size=2))
        assert [r["job_id"] for r in results] == batch.job_ids
        by_id = {r["job_id"]: r for r in results}
        assert by_id["py-own-id"]["signal"] == "mine"
        refused = by_id[batch.job_ids[2]]
        assert not refused["success"] and "Security validation failed" in refused["error"], refused
        assert [r["signal"] for r in results if r["success"]] == [0, "mine", 3, 4]


def test_one_job_is_submitted_and_looked_up(queue_server: Server) -> None:
    with DockerExecutor(url=queue_server.url, token=queue_server.token) as executor:
        job_id = executor.submit("signal = 6 * 7")
        # A bound that turns a job that never finishes into a failure.
        deadline = time.monotonic() + 300
        while (status := executor.job(job_id))["state"] in ("queued", "running"):
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["state"] == "succeeded", status
        assert status["result"]["signal"] == 42
        with pytest.raises(StockadeError, match="unknown_job"):
            executor.job("no-such-job")


def test_a_batch_nothing_runs_times_out_then_is_cancelled(idle_queue_server: Server) -> None:
    with DockerExecutor(url=idle_queue_server.url, token=idle_queue_server.token) as executor:
        batch = executor.submit_batch(["signal = 1", "signal = 2", "signal = 3"])
        with pytest.raises(TimeoutError, match="3 queued"):
            batch.wait(timeout=1, progress=False)
        assert batch.cancel() == 3
        counts = batch.wait(progress=False)
        assert (counts["cancelled"], counts["queued"]) == (3, 0), counts
        assert list(batch.results()) == []


def test_a_refused_batch_raises(idle_queue_server: Server) -> None:
    with DockerExecutor(url=idle_queue_server.url, token=idle_queue_server.token) as executor:
        with pytest.raises(StockadeError, match="invalid_limits"):
            executor.submit_batch(["signal = 1", {"code": "signal = 2", "memory_mb": 10**6}])
        with pytest.raises(TypeError, match="code string or a dict"):
            executor.submit_batch([42])  # type: ignore[list-item]


def test_async_batch(queue_server: Server) -> None:
    async def main() -> tuple:
        async with AsyncExecutor(url=queue_server.url, token=queue_server.token) as executor:
            batch = await executor.submit_batch([f"signal = {i} + 100" for i in range(3)])
            counts = await batch.wait(progress=False)
            results = [r async for r in batch.results(page_size=1)]
            job = await executor.job(batch.job_ids[0])
            return counts, results, job

    counts, results, job = asyncio.run(main())
    assert counts["succeeded"] == 3, counts
    assert [r["signal"] for r in results] == [100, 101, 102]
    assert job["result"]["signal"] == 100


def test_a_server_not_in_queue_mode_says_so(server: Server) -> None:
    with DockerExecutor(url=server.url, token=server.token) as executor:
        with pytest.raises(QueueModeOff, match="queue_mode_off") as caught:
            executor.submit_batch(["signal = 1"])
        assert isinstance(caught.value, StockadeError)
        with pytest.raises(QueueModeOff, match="queue_mode_off"):
            executor.submit("signal = 1")


def test_local_mode_has_no_queue(executor: DockerExecutor) -> None:
    with pytest.raises(QueueModeOff, match="need a queue server"):
        executor.submit_batch(["signal = 1"])
