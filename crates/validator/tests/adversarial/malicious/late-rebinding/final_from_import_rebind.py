# expect: reject  class: late-rebinding  target: tamper-pandas
# A later `from pandas import DataFrame as Report` rebinds the name the helper seals.
import typing


def Report():
    return None


def seal():
    typing.final(Report)


from pandas import DataFrame as Report

seal()
signal = 1
