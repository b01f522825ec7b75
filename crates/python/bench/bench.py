"""Benchmarks of the Python package, printed as a table of medians.

1. In-process validation of a 1,000-line strategy (``stockade.validate``), assembled from
   the validator's own benchmark blocks exactly as ``cargo bench -p stockade-validator`` does.
2. ``DockerExecutor(url=...).execute("print(1)")`` against a ``stockade serve`` this script
   starts (warm pool), by default (the answer waits for the container's removal) and with
   ``wait_for_cleanup=False`` (the server removes it after answering), next to what a user
   would do instead: ``python3 -c "print(1)"`` on the host, bare. Each mode is measured twice:
   one call at a time with the pool full before each (the latency of a call), and back to back
   (each call then also competes with the previous container's removal and the pool's refill,
   which on 2 cores bounds the rate; the runner's own bench measures throughput).

Run it with scripts/bench-python.sh (release wheel in a fresh virtualenv).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import stockade


def program(blocks: str, lines: int) -> str:
    """The imports once, then the blocks repeated with numbered names until ``lines``."""
    parts = blocks.split("# --- block\n")
    out = parts[0]
    count = len(out.splitlines())
    i = 0
    while count < lines and len(parts) > 1:
        block = parts[1 + i % (len(parts) - 1)]
        numbered = block.replace("_N", f"_{i // (len(parts) - 1)}")
        count += len(numbered.splitlines())
        out += numbered
        i += 1
    return out


def median_ms(fn, runs: int, before=None) -> float:
    """Median of ``fn``'s duration over ``runs`` calls; ``before`` runs, untimed, before each."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def pool_full(url: str) -> None:
    """Waits until the server's warm pool is full again (``/readyz``)."""
    for _ in range(1200):
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
                pool = json.load(response)["pool"]
            if pool["ready"] == pool["size"]:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("the warm pool did not fill")


def start_server(cli: str, repo: pathlib.Path, work: pathlib.Path) -> tuple:
    token = secrets.token_hex(32)
    process = subprocess.Popen(
        [cli, "serve", "--listen", "127.0.0.1:0", "--config", str(repo / "config/docker_config.yaml"),
         "--pool-size", "2", "--metrics-port", "0", "--web-dir", str(work / "no-editor"),
         "--security-log", str(work / "security.log")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=work,
        env={**os.environ, "STOCKADE_TOKEN": token},
    )
    line = process.stdout.readline().decode()
    if "http://" not in line:
        process.kill()
        raise SystemExit("stockade serve did not start")
    return process, "http://" + line.strip().rsplit("http://", 1)[1].rstrip("/"), token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=pathlib.Path, required=True)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--host-python", default="/usr/bin/python3")
    args = parser.parse_args()

    blocks = (args.repo / "crates/validator/benches/fixtures/strategy_blocks.py").read_text()
    source = program(blocks, 1000)
    assert not any(f.is_error for f in stockade.validate(source)), "the benchmark strategy must pass"
    validate_ms = median_ms(lambda: stockade.validate(source), max(args.runs, 200))

    cli = str(pathlib.Path(sys.executable).parent / "stockade")
    with tempfile.TemporaryDirectory() as tmp:
        process, url, token = start_server(cli, args.repo, pathlib.Path(tmp))
        try:
            measured = {}
            for wait in (True, False):
                with stockade.DockerExecutor(url=url, token=token, wait_for_cleanup=wait) as executor:
                    first = executor.execute("print(1)")
                    assert first["success"] and first["stdout"] == "1\n", first
                    assert first["cleanup_success"] is (True if wait else None), first
                    call = lambda: executor.execute("print(1)")  # noqa: E731
                    measured[wait] = (median_ms(call, args.runs, lambda: pool_full(url)), median_ms(call, args.runs))
        finally:
            process.terminate()
            process.wait()
    host_ms = median_ms(
        lambda: subprocess.run([args.host_python, "-c", "print(1)"], check=True, capture_output=True),
        args.runs,
    )

    rows = [
        ("what", "median", "target"),
        (f"stockade.validate, {len(source.splitlines())}-line strategy, in process",
         f"{validate_ms:.2f} ms", "< 5 ms"),
        (f'bare host `{args.host_python} -c "print(1)"`', f"{host_ms:.1f} ms", ""),
    ]
    for wait, label in ((True, "default (waits for removal)"), (False, "wait_for_cleanup=False")):
        one, back_to_back = measured[wait]
        rows += [
            (f'execute("print(1)"), {label}, pool full', f"{one:.1f} ms", ""),
            ("  / bare host python", f"{one / host_ms:.2f}x", "<= 2x"),
            (f'execute("print(1)"), {label}, back to back', f"{back_to_back:.1f} ms", ""),
            ("  / bare host python", f"{back_to_back / host_ms:.2f}x", ""),
        ]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(width[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in width))


if __name__ == "__main__":
    main()
