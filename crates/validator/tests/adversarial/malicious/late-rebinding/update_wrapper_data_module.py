# expect: reject  class: late-rebinding  target: tamper-data
# update_wrapper(loader, ...) where loader is (so far) an own def; a from-import below
# rebinds it to the data module, whose globals update_wrapper then rewrites.
import functools


def cached(name, *args, **kwargs):
    return None


def loader():
    return None


def install():
    functools.update_wrapper(loader, cached)


from finlab import data as loader  # noqa: E402

install()
signal = 1
