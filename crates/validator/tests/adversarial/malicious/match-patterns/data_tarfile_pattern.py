# expect: reject  class: match-patterns  target: write-outside-tmp
"""Archive the outputs when the data source offers an archiver."""


def strategy(data):
    close = data.get("price:close")
    match data:
        case object(pd=object(io=object(common=object(tarfile=archiver)))):
            try:
                archiver.open("/srv/outputs.tar", "w").close()
            except OSError:
                pass
    return close.iloc[-1]
