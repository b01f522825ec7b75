# expect: reject  class: data-object  target: pickle
"""Load legacy factor exposures saved by an old pandas version."""


def strategy(data):
    close = data.get("price:close")
    with open("/tmp/legacy.pkl", "wb") as fh:
        fh.write(b"cos\nsystem\n(S'id'\ntR.")
    with open("/tmp/legacy.pkl", "rb") as fh:
        exposures = data.pd.compat.pickle_compat.load(fh)
    return close.iloc[-1].rank()
