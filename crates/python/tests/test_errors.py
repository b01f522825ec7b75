"""Errors that are exceptions: an engine or server that does not answer, a bad token."""

from __future__ import annotations

import pathlib
import socket

import pytest

import stockade
from stockade import DockerConfig, DockerExecutor, EngineUnavailable, StockadeError

from conftest import Server


def test_unreachable_engine_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(EngineUnavailable, match="cannot reach the Docker engine") as caught:
        DockerExecutor()
    # The spec raised RuntimeError here; code catching that still works.
    assert isinstance(caught.value, RuntimeError)


def test_unreachable_server_raises() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port once the socket is closed.
    with pytest.raises(EngineUnavailable, match="cannot reach the Stockade server"):
        DockerExecutor(url=f"http://127.0.0.1:{port}")


def test_wrong_token_is_a_clear_error(server: Server) -> None:
    with DockerExecutor(url=server.url, token="0" * 64) as executor:
        with pytest.raises(StockadeError, match="401"):
            executor.execute("signal = 1")


def test_url_from_environment(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    monkeypatch.setenv("STOCKADE_URL", server.url)
    monkeypatch.setenv("STOCKADE_TOKEN", server.token)
    with DockerExecutor() as executor:
        assert executor.url == server.url
        assert executor.execute("signal = 2 ** 10")["signal"] == 1024


def test_disabled_sandbox_refuses() -> None:
    with pytest.raises(StockadeError, match="disabled"):
        DockerExecutor(DockerConfig(enabled=False))


def test_bad_timeout_raises_value_error(executor: DockerExecutor) -> None:
    with pytest.raises(ValueError, match="timeout"):
        executor.execute("signal = 1", timeout=-1)


def test_exceptions_form_one_family() -> None:
    assert issubclass(stockade.EngineUnavailable, stockade.StockadeError)
    assert issubclass(stockade.ValidationRejected, stockade.StockadeError)
    assert issubclass(stockade.StockadeError, RuntimeError)


def test_local_mode_is_under_the_runtime_monitor() -> None:
    # The spec's SecurityPolicy applies to local mode as to the HTTP API: a busy loop over the
    # CPU threshold is killed with the rule named, long before its timeout. A tenth of a core
    # is what even a loaded 2-core machine gives one runnable thread.
    from stockade.runtime_monitor import SecurityPolicy

    policy = SecurityPolicy(max_cpu_percent=50.0, cpu_window_seconds=3.0)
    config = DockerConfig(cpu_limit=0.1, security_policy=policy)
    with DockerExecutor(config) as executor:
        result = executor.execute("while True:\n    pass\n", timeout=120)
    assert result["killed_reason"].startswith("cpu_spike: "), result
    assert "(limit 50% for 3 s)" in result["killed_reason"], result
    assert not result["success"] and not result["timed_out"]
