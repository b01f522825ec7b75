"""`finlab.data` for the Stockade sandbox: market data from a read-only directory.

`get(name)` returns a pandas DataFrame for a dataset name such as
"price:close" or "price:收盤價". Names are mapped to files in the data
directory (normally `/data`) like this:

1. If `manifest.json` exists, it maps names to file names relative to the
   directory, e.g. `{"price:收盤價": "close.parquet"}`. Only names it lists
   can be loaded.
2. Otherwise the file is `<name with ":" replaced by "__">` plus `.parquet`
   or `.csv` (checked in that order), e.g. `price__收盤價.parquet`.

Parquet files keep their own index (pandas metadata). CSV files use their
first column as the index and parse it as dates when it looks like dates.
Each call returns a fresh copy, so a strategy cannot change what a later
`get` sees.
"""

import json
import os

import pandas as pd

__all__ = ["get", "DataNotFound"]

_MANIFEST = "manifest.json"
_state = {"dir": None, "cache": {}, "manifest": None}


class DataNotFound(KeyError):
    """No file in the data directory provides the requested dataset."""

    def __str__(self):
        return str(self.args[0]) if self.args else "dataset not found"


def _configure(data_dir):
    """Point the loader at a data directory (called by the harness)."""
    _state["dir"] = data_dir
    _state["cache"] = {}
    _state["manifest"] = None


def _data_dir():
    data_dir = _state["dir"]
    if data_dir is None:
        raise DataNotFound("no market data is mounted: finlab.data.get is available in strategy mode only")
    return data_dir


def _manifest(data_dir):
    if _state["manifest"] is None:
        path = os.path.join(data_dir, _MANIFEST)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                loaded = json.load(handle)
            if not isinstance(loaded, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()):
                raise ValueError(f"{path} must map dataset names to file names")
            _state["manifest"] = loaded
        else:
            _state["manifest"] = {}
    return _state["manifest"]


def _inside(data_dir, relative):
    root = os.path.realpath(data_dir)
    path = os.path.realpath(os.path.join(root, relative))
    if path != root and path.startswith(root + os.sep):
        return path
    return None


def _resolve(name):
    if not isinstance(name, str) or not name:
        raise TypeError("dataset name must be a non-empty string")
    data_dir = _data_dir()
    manifest = _manifest(data_dir)
    if manifest:
        relative = manifest.get(name)
        path = _inside(data_dir, relative) if relative else None
        if path is None or not os.path.isfile(path):
            known = ", ".join(sorted(manifest)) or "none"
            raise DataNotFound(f"dataset {name!r} is not available (known: {known})")
        return path
    stem = name.replace(":", "__")
    if "/" in stem or "\0" in stem or stem in (".", ".."):
        raise DataNotFound(f"dataset {name!r} is not available")
    for suffix in (".parquet", ".csv"):
        path = _inside(data_dir, stem + suffix)
        if path is not None and os.path.isfile(path):
            return path
    raise DataNotFound(f"dataset {name!r} is not available (looked for {stem}.parquet and {stem}.csv)")


def _load(path):
    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    if path.endswith(".csv"):
        frame = pd.read_csv(path, index_col=0)
        if frame.index.dtype == object:
            try:
                frame.index = pd.to_datetime(frame.index)
            except (ValueError, TypeError):
                pass
        return frame
    raise ValueError(f"unsupported data file {os.path.basename(path)!r}: use .parquet or .csv")


def get(name, save_to_storage=True, force_download=False):
    """Return the dataset `name` as a DataFrame (the storage flags are accepted and ignored)."""
    del save_to_storage, force_download
    path = _resolve(name)
    cache = _state["cache"]
    if path not in cache:
        cache[path] = _load(path)
    return cache[path].copy()
