"""`wait_for_cleanup=`: in URL mode the server may answer before the container's removal and
finish it in the background; local mode has nothing to finish it and refuses the keyword."""

from __future__ import annotations

import asyncio
import time

import pytest

from stockade import AsyncExecutor, DockerExecutor

from conftest import Server, managed_containers


def wait_until_removed(container_id: str) -> None:
    """Polls the engine until the container is gone. The bound only turns a removal that never
    happens into a failure; how soon it happens is not what is tested."""
    deadline = time.monotonic() + 120
    while container_id in managed_containers():
        assert time.monotonic() < deadline, f"container {container_id} was never removed"
        time.sleep(0.2)


def test_url_mode_without_waiting_answers_before_the_removal_and_the_server_finishes_it(server: Server) -> None:
    with DockerExecutor(url=server.url, token=server.token, wait_for_cleanup=False) as executor:
        result = executor.execute("print(1)")
    assert result["success"] is True, result
    assert result["stdout"] == "1\n"
    # The server's answer as it sent it: the removal had not been waited for.
    assert result["cleanup_success"] is None and result["exit_code"] is None
    assert result["container_id"]
    wait_until_removed(result["container_id"])


def test_url_mode_strategy_without_waiting(server: Server) -> None:
    code = "def strategy(data):\n    return 7\n"
    with DockerExecutor(url=server.url, token=server.token, wait_for_cleanup=False) as executor:
        result = executor.execute_strategy(code, "sample")
    assert result["success"] is True and result["signal"] == 7, result
    assert result["cleanup_success"] is None
    wait_until_removed(result["container_id"])


def test_async_executor_passes_the_keyword_on(server: Server) -> None:
    async def run() -> dict:
        async with AsyncExecutor(url=server.url, token=server.token, wait_for_cleanup=False) as executor:
            return await executor.execute("print(1)")

    result = asyncio.run(run())
    assert result["success"] is True and result["cleanup_success"] is None, result
    wait_until_removed(result["container_id"])


def test_url_mode_waits_for_the_removal_by_default(url_executor: DockerExecutor) -> None:
    result = url_executor.execute("print(1)")
    assert result["success"] is True, result
    assert result["cleanup_success"] is True and result["exit_code"] == 0
    assert result["container_id"] not in managed_containers()


@pytest.mark.parametrize("make", [DockerExecutor, AsyncExecutor])
def test_local_mode_refuses_not_waiting(make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STOCKADE_URL", raising=False)
    with pytest.raises(ValueError, match="wait_for_cleanup=False needs URL mode"):
        make(wait_for_cleanup=False)
