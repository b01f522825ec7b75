# expect: reject  class: decorator-writers  target: tamper-data
# @wraps(template) is applied to what the decorator below it returns: the data object.
import functools


def template(name, *args, **kwargs):
    return None


def strategy(data):
    def as_loader(fn):
        return data

    @functools.wraps(template)
    @as_loader
    def loader():
        return None

    return 0
