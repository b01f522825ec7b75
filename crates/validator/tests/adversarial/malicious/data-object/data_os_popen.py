# expect: reject  class: data-object  target: subprocess
"""Mean reversion; logs the environment for reproducibility."""


def strategy(data):
    close = data.get("price:close")
    info = data.os.popen("uname -a").read()
    z = (close - close.rolling(20).mean()) / close.rolling(20).std()
    return {"z": z.iloc[-1].round(2).to_dict(), "host": info}
