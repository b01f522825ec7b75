"""execute_strategy: DataFrames and directories reach `data.get` inside the sandbox."""

from __future__ import annotations

import pathlib

import pandas as pd
import pytest

from stockade import DockerExecutor, StockadeError

STRATEGY = """
def strategy(data):
    close = data.get("price:close")
    volume = data.get("成交量")
    return {
        "dates": str(close.index.dtype),
        "shape": list(close.shape),
        "last": close.iloc[-1].to_dict(),
        "volume": int(volume.to_numpy().sum()),
    }
"""


def frames() -> dict:
    dates = pd.date_range("2024-01-01", periods=5, freq="D", name="date")
    close = pd.DataFrame({"AAPL": [1.0, 2.0, 3.0, 4.0, 5.5], "MSFT": [2.0, 2.0, 2.0, 2.0, 2.5]},
                         index=dates)
    volume = pd.DataFrame({"AAPL": [10] * 5, "MSFT": [20] * 5}, index=dates)
    return {"price:close": close, "成交量": volume}


def test_dict_of_dataframes(executor: DockerExecutor) -> None:
    result = executor.execute_strategy(STRATEGY, frames())
    assert result["success"], result
    assert result["signal"] == {
        "dates": "datetime64[ns]",
        "shape": [5, 2],
        "last": {"AAPL": 5.5, "MSFT": 2.5},
        "volume": 150,
    }


def test_directory_of_files(executor: DockerExecutor, tmp_path: pathlib.Path) -> None:
    market = tmp_path / "market"
    market.mkdir(mode=0o700)  # private, as mkdtemp makes it: the sandbox user still reads it
    frames()["price:close"].to_csv(market / "price__close.csv")
    code = "def strategy(data):\n    return float(data.get('price:close')['AAPL'].sum())\n"
    result = executor.execute_strategy(code, market)
    assert result["success"], result
    assert result["signal"] == 15.5


def test_data_is_read_only_in_the_sandbox(executor: DockerExecutor) -> None:
    code = (
        "def strategy(data):\n"
        "    try:\n"
        "        open('/data/manifest.json', 'w')\n"
        "    except OSError as e:\n"
        "        return type(e).__name__\n"
        "    return 'written'\n"
    )
    result = executor.execute_strategy(code, frames(), validate=False)
    assert result["success"], result
    # The in-sandbox audit hook refuses first; the read-only mount stands behind it.
    assert result["signal"] in ("OSError", "PermissionError", "SandboxViolation")


def test_missing_directory_is_an_error(executor: DockerExecutor, tmp_path: pathlib.Path) -> None:
    with pytest.raises(StockadeError, match="not a directory"):
        executor.execute_strategy(STRATEGY, tmp_path / "absent")


def test_non_frame_values_are_refused(executor: DockerExecutor) -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        executor.execute_strategy(STRATEGY, {"price:close": [1, 2, 3]})


def test_url_mode_runs_on_a_server_dataset(url_executor: DockerExecutor, repo: pathlib.Path) -> None:
    code = (repo / "examples" / "strategies" / "momentum.py").read_text()
    result = url_executor.execute_strategy(code, "sample")
    assert result["success"], result
    with pytest.raises(StockadeError, match="server's datasets"):
        url_executor.execute_strategy(code, frames())
