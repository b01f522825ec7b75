# expect: reject  class: metaclass-tampering  target: tamper-data
"""Fill gaps in every dataset by patching the loader."""


def strategy(data):
    original = data.get

    def filled(name, *args, **kwargs):
        return original(name, *args, **kwargs).ffill()

    data.get = filled
    return data.get("price:close").iloc[-1]
