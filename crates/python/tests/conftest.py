"""Shared fixtures: the repository (corpus, config), the bundled CLI, a `stockade serve`, and
one in queue mode with its own `redis-server` and a `stockade worker`.

These tests run against the installed wheel from outside the source tree
(scripts/test-python.sh), with the real runner and a real Docker engine (`DOCKER_HOST`).
"""

from __future__ import annotations

import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
from typing import Iterator, List

import pytest

import stockade


def _repo() -> pathlib.Path:
    root = os.environ.get("STOCKADE_REPO")
    if not root:
        pytest.exit("set STOCKADE_REPO to the repository root (scripts/test-python.sh does)", 2)
    return pathlib.Path(root)


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return _repo()


@pytest.fixture(scope="session", autouse=True)
def installed_not_source() -> None:
    """The package under test is the installed wheel, never the source tree."""
    package = pathlib.Path(stockade.__file__).resolve()
    assert _repo().resolve() not in package.parents, f"testing the source tree: {package}"


@pytest.fixture(scope="session")
def cli() -> str:
    """The `stockade` binary the wheel installed next to this interpreter."""
    path = pathlib.Path(sys.executable).parent / "stockade"
    assert path.is_file(), f"the wheel did not install the CLI at {path}"
    return str(path)


@pytest.fixture(scope="session")
def config_file(repo: pathlib.Path) -> pathlib.Path:
    return repo / "config" / "docker_config.yaml"


@pytest.fixture(scope="session")
def executor() -> Iterator[stockade.DockerExecutor]:
    """One local-mode executor for the tests that only need results."""
    with stockade.DockerExecutor() as ex:
        yield ex


class Server:
    def __init__(self, url: str, token: str, process: subprocess.Popen) -> None:
        self.url = url
        self.token = token
        self.process = process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve(cli: str, config_file: pathlib.Path, repo: pathlib.Path, logs: pathlib.Path, extra: List[str]) -> Server:
    """Starts `stockade serve` on an ephemeral loopback port; returns once it is serving."""
    token = secrets.token_hex(32)
    process = subprocess.Popen(
        [
            cli, "serve",
            "--listen", "127.0.0.1:0",
            "--config", str(config_file),
            "--metrics-port", "0",
            "--allow-unvalidated",
            "--datasets-dir", str(repo / "config" / "datasets"),
            "--web-dir", str(logs / "no-editor"),
            "--security-log", str(logs / "security.log"),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=open(logs / "stderr.log", "wb"),
        env={**os.environ, "STOCKADE_TOKEN": token},
        cwd=logs,
    )
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    if "http://" not in line:
        process.kill()
        pytest.fail(f"stockade serve did not start: {(logs / 'stderr.log').read_text()}")
    url = "http://" + line.strip().rsplit("http://", 1)[1].rstrip("/")
    return Server(url, token, process)


@pytest.fixture(scope="session")
def server(cli: str, config_file: pathlib.Path, repo: pathlib.Path, tmp_path_factory) -> Iterator[Server]:
    """A `stockade serve` on an ephemeral loopback port with a warm pool of one."""
    served = _serve(cli, config_file, repo, tmp_path_factory.mktemp("serve"), ["--pool-size", "1"])
    try:
        yield served
    finally:
        _stop(served.process)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A `redis-server` of the tests' own (Debian's package; scripts/test-python.sh installs
    it) on a free loopback port, with its data in a temporary directory."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for queue mode (scripts/test-python.sh installs it)"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data), "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # A bound that turns a server that never answers into a failure.
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"redis-server on port {port} did not start"
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def queue_server(cli: str, config_file: pathlib.Path, repo: pathlib.Path, redis_url: str, tmp_path_factory) -> Iterator[Server]:
    """`stockade serve --queue` on the tests' Redis, and one `stockade worker` running its jobs."""
    logs = tmp_path_factory.mktemp("queue")
    served = _serve(cli, config_file, repo, logs, ["--queue", redis_url])
    worker = subprocess.Popen(
        [
            cli, "worker",
            "--queue", redis_url,
            "--config", str(config_file),
            "--name", "pytest",
            "--concurrency", "2",
            "--pool-size", "1",
            "--datasets-dir", str(repo / "config" / "datasets"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(logs / "worker.log", "wb"),
        cwd=logs,
    )
    try:
        yield served
    finally:
        _stop(worker)
        _stop(served.process)


@pytest.fixture(scope="session")
def idle_queue_server(cli: str, config_file: pathlib.Path, repo: pathlib.Path, redis_url: str, tmp_path_factory) -> Iterator[Server]:
    """`stockade serve --queue` on a queue no worker reads (its own key prefix): what is
    submitted there stays queued."""
    logs = tmp_path_factory.mktemp("idle-queue")
    served = _serve(cli, config_file, repo, logs, ["--queue", redis_url, "--queue-prefix", "idle"])
    try:
        yield served
    finally:
        _stop(served.process)


@pytest.fixture
def url_executor(server: Server) -> Iterator[stockade.DockerExecutor]:
    with stockade.DockerExecutor(url=server.url, token=server.token) as ex:
        yield ex


def managed_containers() -> list:
    """Ids of every Stockade container on the engine, from the engine itself."""
    docker = shutil.which("docker")
    assert docker, "the docker CLI is needed to check the engine's own state"
    out = subprocess.run(
        [docker, "ps", "-aq", "--no-trunc", "--filter", "label=io.stockade.managed-by"],
        check=True, capture_output=True, text=True,
    ).stdout
    return out.split()
