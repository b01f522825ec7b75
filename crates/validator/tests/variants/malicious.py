# Each section below is one program that must be rejected on its own.
# --- aliasing an os import through numpy's namespace
import numpy as np
np.os.system("id")
# --- import hidden in a function, used before the import statement
def f():
    return pd.io.common.os
import pandas as pd
# --- module smuggled through a container
import pandas as pd
mods = {"p": pd}
mods["p"].io.common.os.system("id")
# --- dunder via NFKC italic letters
x = ().__𝘤𝘭𝘢𝘴𝘴__
# --- exec through sorted key
sorted(["import os"], key=exec)
# --- eval through functools.partial
import functools
functools.partial(eval, "1+1")()
# --- exec stored in a dict and fetched
table = {"run": exec}
table["run"]("print(1)")
# --- exec as a default argument
def g(run=exec):
    run("print(1)")
# --- exec in a lambda body
h = lambda s: exec(s)
# --- compile in a comprehension condition
[x for x in [1] if compile("1", "a", "eval")]
# --- getattr via walrus name
if (n := "sys"):
    getattr(obj, n + "tem")
# --- subclass walk through a generator expression
found = next(c for c in object.__subclasses__() if c.__name__ == "Popen")
# --- builtins through a frame in a match guard
match value:
    case _ if (fr := gen.gi_frame):
        pass
# --- payload in a decorator argument
@functools.lru_cache(maxsize=__import__("os").system("id"))
def cached():
    return 1
# --- payload in a class base
class Evil(__import__("os").PathLike):
    pass
# --- payload in a slice
data = [1, 2, 3][__import__("os").getpid():]
# --- payload in an assert message
assert True, __import__("os").system("id")
# --- payload in a format spec
x = f"{1:{__import__('os').system('id')}}"
# --- payload in an f-string expression
y = f"{eval('1')}"
# --- payload in a keyword-only default
def k(*, opener=open):
    return opener("/etc/passwd")
# --- payload in a return annotation
def r() -> exec("print(1)"):
    pass
# --- payload in a variable annotation
z: eval("int") = 1
# --- payload in a string annotation
def s(x: "__import__('os').system('id')"):
    pass
# --- open with write mode outside tmp
with open("/home/trader/.bashrc", "a") as fh:
    fh.write("x")
# --- numpy save to etc
import numpy as np
np.savetxt("/etc/cron.daily/job", [1])
# --- pandas writer to var
import pandas as pd
pd.DataFrame().to_json("/var/www/x.json")
# --- read through alias of read_csv
from pandas import read_csv
read_csv("/root/.aws/credentials")
# --- parquet URL
import pandas as pd
pd.read_parquet("gs://bucket/file")
# --- pickle via numpy alias
import numpy
numpy.load("/tmp/x.npy", allow_pickle=1)
# --- copy of a class with __reduce_ex__
import copy
class P:
    def __reduce_ex__(self, proto):
        return (print, ("x",))
copy.deepcopy(P())
# --- __setstate__ hook
class Q:
    def __setstate__(self, state):
        pass
# --- metaclass from type
class M(type):
    def __call__(cls):
        return 1
class N(metaclass=M):
    pass
# --- class-body hook assignment
class T:
    __del__ = lambda self: None
# --- patch numpy function
import numpy as np
np.mean = lambda *a, **k: 0
# --- patch pandas via from-import alias
from pandas import Series
Series.rolling = None
# --- setattr on a module
import pandas as pd
setattr(pd.DataFrame, "shift", None)
# --- gc import under alias
import gc as garbage
garbage.get_objects()
# --- sys via importlib spelled with fullwidth
import ｓｙｓ
# --- threading
import threading
# --- asyncio from-import
from asyncio import create_subprocess_exec
# --- urllib
from urllib.request import urlopen
# --- signal kill
import signal
# --- os.fork via alias
import os as o
o.fork()
# --- raise SystemExit via alias
E = SystemExit
raise E
# --- quit in strategy
def strategy(data):
    quit()
# --- input read
name = input()
# --- help()
help()
# --- vars on a module
import math
vars(math)
# --- dir on a module
import math
dir(math)
# --- __dict__ of a class
class A:
    pass
A.__dict__
# --- type.__subclasses__
type.__subclasses__(object)
# --- mro walk
object.__mro__
# --- __base__
int.__base__
# --- format_map attribute field
"{a.__class__}".format_map({"a": 1})
# --- str.format called unbound
str.format("{0.__class__}", 1)
# --- query with attribute
df.query("@obj.__class__")
# --- eval with a call of something other than a math function
df.eval("print(a)")
# --- typing get_type_hints
from typing import get_type_hints
# --- operator attrgetter private
import operator
operator.attrgetter("_secret")(obj)
# --- methodcaller computed
import operator
operator.methodcaller("sys" + "tem")(obj)
# --- string Template is fine but Formatter is not
from string import Formatter
# --- statistics leak
import statistics
statistics.random.os
# --- decimal leak
import decimal
decimal.sys
# --- json leak via from import
from json import decoder
# --- collections leak
import collections
collections._sys
# --- itertools fine, but functools leak
import functools
functools.GenericAlias
# --- random private
import random
random._urandom(8)
# --- heapq leak
import heapq
heapq.__builtins__
# --- re leak
import re
re.enum
# --- datetime leak
import datetime
datetime.sys
# --- textwrap leak
import textwrap
textwrap.re
# --- pd.testing
import pandas as pd
pd.testing.assert_frame_equal
# --- pd.plotting
import pandas as pd
pd.plotting.register_matplotlib_converters()
# --- np.distutils / np.lib.format
import numpy as np
np.lib.format.read_array
# --- np.char / np.rec? not on the list
import numpy as np
np.ctypeslib.as_array
# --- memoryview on foreign object
mv = memoryview(data)
# --- generator frame f_locals
def gen():
    yield 1
g = gen()
g.gi_frame.f_locals
# --- coroutine code object
async def co():
    pass
co().cr_code
# --- function code consts
def fn():
    pass
fn.__code__.co_consts
# --- closure via getattr literal dunder
getattr(fn, "__closure__")
# --- exception traceback
try:
    1 / 0
except Exception as e:
    e.__traceback__
# --- tb_next walk
try:
    1 / 0
except Exception as e:
    tb = e.with_traceback(None)
    tb.tb_next
# --- builtins via lambda __globals__ in default
f = lambda g=(lambda: 0).__globals__: g
# --- class assignment via setattr
setattr(obj, "__class__", int)
# --- unicode_escape cookie on line 2
#!/usr/bin/env python
# -*- coding: latin-1 -*-
x = 1
# --- relative import
from .helpers import leak
# --- star import
from numpy import *
# --- builtin rebinding with def
def print(*args):
    pass
# --- rebinding via import alias
from math import floor as len
# --- rebinding getattr locally
def f(getattr=None):
    return getattr
# --- module as value in function call
import numpy as np
helper(np)
# --- submodule namespace as value
import numpy as np
rand = np.random
rand.os
# --- network via pandas html
import pandas as pd
pd.read_html("http://x.invalid")
# --- zoneinfo fine, but tzpath reaches files
import zoneinfo
zoneinfo.reset_tzpath(["/etc"])
# --- io.open
import io
io.open("/etc/passwd")
# --- io.FileIO
from io import FileIO
# --- types.FunctionType
import types
types.FunctionType
# --- types.CodeType via from-import
from types import CodeType
# --- contextlib redirect
import contextlib
contextlib.redirect_stdout
# --- warnings showwarning patch
import warnings
warnings.showwarning = print
# --- pprint leak
import pprint
pprint._sys
# --- time leak? time has no module attrs but sleep forever is allowed; use unknown attr
import time
time.pthread_getcpuclockid
# --- metaclass by subclassing type and calling it
class Meta(type):
    pass
Hook = Meta("Hook", (object,), {})
# --- forward reference evaluated by singledispatch
from functools import singledispatch
@singledispatch
def handle(x):
    return x
@handle.register
def _(x: "List[__import__('os').system('id')]"):
    return x
# --- nested string annotation
from typing import List
def f(x: List["__import__('os').system('id')"]):
    return x
# --- getattr to an I/O method
import pandas as pd
getattr(pd.DataFrame(), "to_csv")("/etc/x")
# --- attrgetter to a writer
import operator
operator.attrgetter("to_pickle")(frame)("/tmp/x.pkl")
# --- methodcaller to a writer
import operator
operator.methodcaller("to_csv", "/etc/x")(frame)
# --- getattr to a frame internal
getattr(tb, "tb_frame")
# --- getattr to a host-reaching name
getattr(obj, "system")("id")
# --- pandas agg by string to a writer
frame.agg("to_csv", path_or_buf="/etc/x")
# --- pandas apply by string to pickle
frame.apply(["to_pickle"], path="/tmp/x")
# --- groupby agg dict with eval
frame.groupby("a").agg({"b": "eval"})
# --- bound format method of a hostile literal passed to map
list(map("{0.__globals__}".format, [print]))
# --- conditional template with an attribute field
t = "{0}" if flag else "{0.__class__}"
t.format(obj)
# --- builtin open handed around after binding open in another scope
def unused():
    open = 1
    return open
reader = open
reader("/etc/passwd")
# --- open bound only inside a comprehension
names = [open for open in ["a"]]
reader = open
# --- private attribute through a fake self parameter
class Own:
    def __init__(self):
        self._loader = None
def peek(self):
    return self._loader
# --- private attribute through a static method argument
class Own2:
    def __init__(self):
        self._loader = None
    @staticmethod
    def peek(obj):
        return obj._loader
# --- private attribute through a nested function shadowing self
class Own3:
    def __init__(self):
        self._loader = None
    def run(self, data):
        def inner(self):
            return self._loader
        return inner(data)
# --- super rebound to reach a private attribute
class Own4:
    def __init__(self):
        self._loader = None
def f(super):
    return super()._loader
# --- dataset name that walks out of the data directory
def strategy(data):
    return data.get("../../etc/passwd")
# --- dataset name that is an absolute path
from finlab import data
secrets = data.get("/root/.aws/credentials")
# --- metaclass through type of a class
Meta = type(int)
Hook = Meta("Hook", (object,), {"__del__": print})
# --- calling type of type with three arguments
Hook = type(type(1))("Hook", (), {})
# --- type handed around as a value
T = type
Hook = T("Hook", (), {})
# --- deriving from type(int)
class M(type(int)):
    pass
