"""Batch execution: `map` with a concurrency limit, and AsyncExecutor for asyncio."""

from __future__ import annotations

import asyncio

from stockade import AsyncExecutor, DockerExecutor


def programs(n: int) -> list:
    return [f"signal = {i} * {i}" for i in range(n)]


def test_map_keeps_input_order(executor: DockerExecutor) -> None:
    results = executor.map(programs(6), concurrency=3, progress=False)
    assert [r["signal"] for r in results] == [i * i for i in range(6)]
    assert len({r["container_id"] for r in results}) == 6


def test_map_reports_rejections_in_place(executor: DockerExecutor) -> None:
    results = executor.map(["signal = 1", "import os", "signal = 3"], concurrency=2, progress=False)
    assert [r["success"] for r in results] == [True, False, True]


def test_map_draws_a_tqdm_bar(executor: DockerExecutor, capsys) -> None:
    executor.map(programs(2), concurrency=2, progress=True)
    assert "2/2" in capsys.readouterr().err


def test_async_map_runs_concurrently_and_in_order() -> None:
    async def main() -> list:
        async with AsyncExecutor(concurrency=3) as ex:
            single = await ex.execute("signal = 'one'")
            many = await ex.map(programs(5), progress=False)
            stats = await ex.cleanup_all()
            return [single, many, stats]

    single, many, stats = asyncio.run(main())
    assert single["signal"] == "one"
    assert [r["signal"] for r in many] == [i * i for i in range(5)]
    assert stats["failed"] == 0


def test_async_over_url(server) -> None:
    async def main() -> list:
        async with AsyncExecutor(url=server.url, token=server.token, concurrency=2) as ex:
            return await ex.map(programs(3), progress=False)

    assert [r["signal"] for r in asyncio.run(main())] == [0, 1, 4]
