"""Offline stand-in for the `finlab` package inside the Stockade sandbox.

Only `finlab.data.get(name)` is provided: it reads market data that the runner
mounts read-only (see `finlab.data`). Nothing here reaches the network.
"""

__all__ = ["data"]
__version__ = "0.0.0+stockade"
