"""Every example of the spec's module README, run against the real runner and engine, in
local mode (the runner in process) and URL mode (a `stockade serve` this session started)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import time
from typing import Iterator

import pytest

from stockade import DockerConfig, DockerExecutor

from conftest import Server, managed_containers

CODE = """
import pandas as pd
signal = pd.DataFrame({'stock': ['AAPL'], 'position': [1.0]})
print(f"Signal created: {signal}")
"""

# The spec's result format, with the type each key has.
SPEC_KEYS = {
    "success": bool,
    "signal": object,
    "error": (str, type(None)),
    "execution_time": float,
    "container_id": (str, type(None)),
    "validated": bool,
    "cleanup_success": bool,
    "logs": str,
}


@pytest.fixture(params=["local", "url"])
def mode(request: pytest.FixtureRequest) -> Iterator[DockerExecutor]:
    if request.param == "local":
        # Exactly the spec's call: no argument, no repository (the built-in configuration).
        with DockerExecutor() as ex:
            yield ex
    else:
        server: Server = request.getfixturevalue("server")
        with DockerExecutor(url=server.url, token=server.token) as ex:
            yield ex


def check_spec_keys(result: dict) -> None:
    for key, kind in SPEC_KEYS.items():
        assert key in result, key
        assert isinstance(result[key], kind), (key, result[key])


def test_basic_usage(mode: DockerExecutor) -> None:
    result = mode.execute(CODE)
    check_spec_keys(result)
    assert result["success"], result
    assert result["error"] is None and result["validated"] and result["cleanup_success"]
    assert result["execution_time"] > 0
    assert "Signal created:" in result.get("logs", "")
    # The DataFrame comes back as data: one row, the spec's columns.
    assert "AAPL" in str(result["signal"]) and "position" in str(result["signal"])
    stats = mode.cleanup_all()
    assert stats["success"] == stats["total"] and stats["failed"] == 0


def test_the_spec_module_names_are_importable() -> None:
    # Code written for `src.sandbox.<module>` changes only its import prefix.
    from stockade.docker_config import DockerConfig as Config
    from stockade.docker_executor import DockerExecutor as Executor
    from stockade.security_validator import SecurityValidator

    assert (Config, Executor) == (DockerConfig, DockerExecutor)
    ok, errors = SecurityValidator().validate("import subprocess\n")
    assert not ok and any("subprocess" in e for e in errors)
    assert SecurityValidator().validate(CODE) == (True, [])


def test_the_security_documents_examples(executor: DockerExecutor) -> None:
    # validate_code, and a strategy's result read through attributes.
    from stockade.security_validator import SecurityValidator

    validator = SecurityValidator()
    ok, errors = validator.validate_code("import os\nos.system('rm -rf /')  # Malicious command\n")
    assert not ok and any("os" in e for e in errors)
    safe = (
        "from finlab import data\n\n"
        "def strategy(data):\n"
        "    close = data.get(\"price:收盤價\")\n"
        "    return close > close.shift(1)\n"
    )
    assert validator.validate_code(safe) == (True, [])
    import pandas as pd

    dates = pd.date_range("2024-01-01", periods=3, freq="D", name="date")
    market_data = {"price:收盤價": pd.DataFrame({"2330": [1.0, 2.0, 1.5]}, index=dates)}
    result = executor.execute_strategy(safe, market_data)
    assert result.success is True and result["success"] is True, result
    assert result.execution_time == result["execution_time"] > 0
    assert result.memory_used_mb == result["memory_peak_mb"]
    assert result.metrics["execution_time"] == result.execution_time
    assert set(result.metrics) == {"execution_time", "memory_peak_mb", "exit_code", "timed_out", "oom_killed"}
    with pytest.raises(AttributeError):
        result.no_such_key
    # Still the plain dict of the spec's first document.
    assert json.loads(json.dumps(result)) == dict(result)


def test_context_manager_cleans_up() -> None:
    before = set(managed_containers())
    with DockerExecutor() as executor:
        result = executor.execute(CODE)
    assert result["success"] and result["cleanup_success"] is True
    assert result["container_id"] not in set(managed_containers())
    assert set(managed_containers()) <= before
    with pytest.raises(RuntimeError, match="closed"):
        executor.execute(CODE)


def test_custom_configuration_limits_reach_the_container() -> None:
    # cleanup_on_exit=False keeps the container, so the engine can show what it was given.
    config = DockerConfig(memory_limit="1g", cpu_limit=0.25, timeout_seconds=300,
                          network_mode="none", read_only=True, cleanup_on_exit=False)
    with DockerExecutor(config) as executor:
        result = executor.execute("signal = 1")
        assert result["success"], result
        host = json.loads(subprocess.run(
            ["docker", "inspect", "--format", "{{json .HostConfig}}", result["container_id"]],
            check=True, capture_output=True, text=True).stdout)
        assert (host["Memory"], host["MemorySwap"]) == (1 << 30, 1 << 30)
        assert host["NanoCpus"] == 250_000_000
        assert (host["NetworkMode"], host["ReadonlyRootfs"]) == ("none", True)
        stats = executor.cleanup_all()
    assert stats["success"] == stats["total"] >= 1
    assert result["container_id"] not in managed_containers()


def test_configuration_from_yaml(config_file: pathlib.Path) -> None:
    with DockerExecutor(DockerConfig.from_yaml(config_file)) as executor:
        assert executor.execute("signal = 6 * 7")["signal"] == 42


def test_execute_with_validation_and_timeout(mode: DockerExecutor) -> None:
    result = mode.execute(CODE, timeout=60, validate=True)
    assert result["success"] and result["validated"] is True


def test_validation_failure_is_a_result_and_no_container(mode: DockerExecutor) -> None:
    result = mode.execute("import subprocess\nsubprocess.run(['id'])\n")
    check_spec_keys(result) if result.get("cleanup_success") is not None else None
    assert result["success"] is False and result["validated"] is True
    assert result["error"].startswith("Security validation failed:")
    assert "subprocess" in result["error"]
    assert result["container_id"] is None


def test_execute_without_validation(mode: DockerExecutor) -> None:
    # Rejected by the validator, but harmless: only the container decides here.
    result = mode.execute("import os\nsignal = os.getuid()\n", validate=False)
    assert result["success"], result
    assert result["validated"] is False
    assert isinstance(result["signal"], int) and result["signal"] != 0  # never root


def test_timeout_is_an_error_in_the_result(mode: DockerExecutor) -> None:
    result = mode.execute("while True:\n    pass\n", timeout=2)
    check_spec_keys(result)
    assert result["success"] is False and result["timed_out"] is True
    assert "timeout" in result["error"].lower()
    assert result["cleanup_success"] is True


def test_exception_in_code_is_an_error_in_the_result(mode: DockerExecutor) -> None:
    result = mode.execute("raise ValueError('bad input')\n")
    assert result["success"] is False
    assert result["error_type"] == "ValueError" and "bad input" in result["error"]


def test_cleanup_all_reports_stats(mode: DockerExecutor) -> None:
    mode.execute("signal = 1")
    stats = mode.cleanup_all()
    assert set(stats) >= {"total", "success", "failed"}
    assert stats["success"] == stats["total"] - stats["failed"]


def test_troubleshooting_orphans(mode: DockerExecutor) -> None:
    orphans = mode.get_orphaned_containers()
    assert isinstance(orphans, list)
    stats = mode.cleanup_orphaned_containers()
    assert stats["failed"] == 0


def test_orphan_cleanup_is_a_count(executor: DockerExecutor, cli: str, tmp_path: pathlib.Path) -> None:
    # The security document: `orphaned_count = executor.cleanup_orphaned_containers()`. A
    # CLI killed mid-run leaves its container behind, owned by no live runner: an orphan.
    program = tmp_path / "sleeper.py"
    program.write_text("import time\ntime.sleep(300)\n")
    run = subprocess.Popen(
        [cli, "run", str(program), "--timeout", "300"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    label = f"label=io.stockade.owner-pid={run.pid}"
    try:
        deadline = time.monotonic() + 180
        while not subprocess.run(["docker", "ps", "-aq", "--filter", label],
                                 capture_output=True, text=True, check=True).stdout.strip():
            assert time.monotonic() < deadline, "the CLI never created its container"
            assert run.poll() is None, "the CLI ended before its container existed"
            time.sleep(0.2)
    finally:
        run.kill()
        run.wait()
    orphaned_count = executor.cleanup_orphaned_containers()
    # Usually this call removes it; the session's `stockade serve` sweeps orphans too, and
    # may have been first.
    assert isinstance(orphaned_count, int) and orphaned_count >= 0, orphaned_count.stats
    assert orphaned_count == orphaned_count["success"] and orphaned_count["failed"] == 0
    assert f"Cleaned up {orphaned_count} orphaned containers" == (
        f"Cleaned up {orphaned_count['success']} orphaned containers"
    )
    assert not subprocess.run(["docker", "ps", "-aq", "--filter", label],
                              capture_output=True, text=True, check=True).stdout.strip()


def test_results_have_the_same_keys_in_both_modes(executor: DockerExecutor, url_executor: DockerExecutor) -> None:
    local = executor.execute("print(1)\nsignal = {'a': [1, 2]}")
    remote = url_executor.execute("print(1)\nsignal = {'a': [1, 2]}")
    assert set(local) == set(remote)
    for key in ("success", "signal", "stdout", "logs", "validated", "exit_code", "timed_out"):
        assert local[key] == remote[key], key


def test_missing_image_is_an_error_in_the_result() -> None:
    config = DockerConfig(image="stockade-no-such-image:never")
    with DockerExecutor(config) as executor:
        result = executor.execute("signal = 1")
    assert result["success"] is False
    assert result["error"].startswith("Docker image not found: stockade-no-such-image:never")
