# expect: accept
"""Robust factor computation that records which factors failed and why."""
import numpy as np
import pandas as pd


def safe(name, fn, errors):
    try:
        return fn()
    except Exception as exc:
        errors[name] = exc.__class__.__name__ + ": " + str(exc)
        return None


def strategy(data):
    close = data.get("price:close")
    errors = {}
    factors = {
        "mom": safe("mom", lambda: close.pct_change(60).iloc[-1], errors),
        "vol": safe("vol", lambda: close.pct_change().rolling(20).std().iloc[-1], errors),
        "bad": safe("bad", lambda: close["NOPE"].iloc[-1], errors),
    }
    usable = {k: v for k, v in factors.items() if v is not None}
    score = sum(v.rank() for v in usable.values()) / len(usable)
    return {"score": score.round(2).to_dict(), "errors": errors}
