"""Shared fixtures: the repository (corpus, config), the bundled CLI, a `stockade serve`.

These tests run against the installed wheel from outside the source tree
(scripts/test-python.sh), with the real runner and a real Docker engine (`DOCKER_HOST`).
"""

from __future__ import annotations

import os
import pathlib
import secrets
import shutil
import subprocess
import sys
from typing import Iterator

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


@pytest.fixture(scope="session")
def server(cli: str, config_file: pathlib.Path, repo: pathlib.Path, tmp_path_factory) -> Iterator[Server]:
    """A `stockade serve` on an ephemeral loopback port with a warm pool of one."""
    token = secrets.token_hex(32)
    logs = tmp_path_factory.mktemp("serve")
    process = subprocess.Popen(
        [
            cli, "serve",
            "--listen", "127.0.0.1:0",
            "--config", str(config_file),
            "--pool-size", "1",
            "--metrics-port", "0",
            "--allow-unvalidated",
            "--datasets-dir", str(repo / "config" / "datasets"),
            "--web-dir", str(logs / "no-editor"),
            "--security-log", str(logs / "security.log"),
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
    try:
        yield Server(url, token, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
