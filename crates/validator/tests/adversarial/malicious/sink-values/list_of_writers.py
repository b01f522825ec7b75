# expect: reject  class: sink-values  target: write-outside-tmp
"""Write the weights in every format the ops team asked for."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    weights = close.iloc[-1].rank(pct=True).to_frame("w")
    writers = [weights.to_json, weights.to_csv]
    for write in writers:
        write("/opt/stockade/weights.out")
    return weights["w"]
