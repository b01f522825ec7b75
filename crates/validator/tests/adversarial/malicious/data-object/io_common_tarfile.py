# expect: reject  class: data-object  target: write-outside-tmp
"""Bundle the outputs for the archive."""


def strategy(data):
    close = data.get("price:close")
    bundle = data.pd.io.common.tarfile.open("/srv/outputs.tar", "w")
    bundle.close()
    return close.iloc[-1]
