//! The semantic model: what a name holds at a point of the program, sinks as capabilities,
//! keywords as CPython binds them. Each attack here reaches its target when run unvalidated
//! (see the adversarial corpus for probe-proven files); each honest case runs in the sandbox.

use stockade_validator::{validate, Policy};

fn codes(source: &str) -> Vec<&'static str> {
    validate(source, &Policy::default())
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[track_caller]
fn rejects(source: &str, code: &str) {
    let found = codes(source);
    assert!(
        found.contains(&code),
        "expected {code}, got {found:?} for:\n{source}"
    );
}

#[track_caller]
fn accepts(source: &str) {
    let found = codes(source);
    assert!(
        found.is_empty(),
        "expected no finding, got {found:?} for:\n{source}"
    );
}

#[test]
fn bindings_that_may_not_happen_do_not_shadow_builtins() {
    // Annotation-only, dead branch, loop body, `try`, `with`, `del`, walrus.
    rejects("open: str\nf = open\n", "SBX205");
    rejects("if False:\n    open = 1\nf = open\n", "SBX205");
    rejects(
        "for _ in []:\n    getattr = 1\nf = map(getattr, [1], ['x'])\n",
        "SBX202",
    );
    rejects(
        "try:\n    type = int\nexcept Exception:\n    pass\nT = type\n",
        "SBX205",
    );
    rejects("type = int\ndel type\nT = type\n", "SBX205");
    rejects(
        "from contextlib import suppress\nwith suppress(Exception):\n    open = 1\nf = open\n",
        "SBX205",
    );
    rejects("if (open := 1) or True:\n    pass\nf = open\n", "SBX205");
    // A binding that definitely runs still shadows.
    accepts("def f(data):\n    open = data.get('price:open')\n    return open\n");
    accepts("if 1 > 0:\n    open = 1\nelse:\n    open = 2\nx = open\n");
}

#[test]
fn an_import_anywhere_does_not_turn_a_builtin_into_an_alias() {
    rejects(
        "def never():\n    from math import floor as open\nx = open('/etc/passwd').read()\n",
        "SBX601",
    );
    rejects(
        "def never():\n    from math import floor as type\nK = type('K', (), {})\n",
        "SBX204",
    );
}

#[test]
fn a_name_holding_several_imports_is_judged_as_each() {
    // The last import no longer wins: `pd` may be the module here.
    rejects(
        "import pandas as pd\nif False:\n    from pandas import DataFrame as pd\nx = pd.io.common\n",
        "SBX401",
    );
    rejects(
        "import io\nimport pandas as pd\nclass io:\n    StringIO = str\nx = pd.read_csv(io.StringIO('/etc/passwd'))\n",
        "SBX601",
    );
}

#[test]
fn sinks_are_capabilities() {
    for source in [
        "import pandas as pd\nframes = list(map(pd.read_csv, ['/etc/passwd']))\n",
        "import pandas as pd\ndf = pd.DataFrame()\nsave = df.to_csv\nsave('/etc/x')\n",
        "import pandas as pd\nQ = pd.DataFrame.query\n",
        "import numpy as np\nfrom functools import partial\nload = partial(np.load, allow_pickle=True)\n",
        "from pandas import read_csv\nreaders = [read_csv]\n",
        "import pandas as pd\ndef f(reader=pd.read_pickle):\n    return reader\n",
        "import pandas as pd\ndf = pd.DataFrame()\nx = (df.to_csv if True else print)('/etc/x')\n",
        "import operator\nfrom functools import partial\ng = partial(operator.attrgetter, '__class__')\n",
        "from operator import methodcaller\nm = list(map(methodcaller, ['system']))\n",
        "import pandas as pd\ndf = pd.DataFrame()\ndf.pipe(pd.DataFrame.to_csv, '/etc/x')\n",
    ] {
        rejects(source, "SBX604");
    }
    // Direct calls with vetted arguments stay fine, and so do the code's own methods.
    accepts("import pandas as pd\ndf = pd.DataFrame()\ndf.to_csv('/tmp/out.csv')\n");
    accepts(
        "class Rule:\n    def eval(self, x):\n        return x > 0\n    def run(self, xs):\n        return list(map(self.eval, xs))\n",
    );
}

#[test]
fn keywords_are_bound_as_cpython_binds_them() {
    rejects(
        "import numpy as np\nx = np.load('/tmp/a.npy', ａｌｌｏｗ_ｐｉｃｋｌｅ=True)\n",
        "SBX602",
    );
    rejects(
        "import numpy as np\nx = np.load('/tmp/a.npy', **{'allow_pickle': True})\n",
        "SBX602",
    );
    rejects(
        "import numpy as np\nx = np.load('/tmp/a.npy', None, True)\n",
        "SBX602",
    );
    rejects(
        "import numpy as np\nkw = dict(allow_pickle=True)\nx = np.load('/tmp/a.npy', **kw)\n",
        "SBX604",
    );
    rejects(
        "import pandas as pd\nx = pd.read_csv(**{'filepath_or_buffer': '/etc/passwd'})\n",
        "SBX601",
    );
    rejects(
        "import types\nns = types.SimpleNamespace(__array_interface__={'data': (0, False)})\n",
        "SBX301",
    );
    accepts("import numpy as np\nx = np.load('/tmp/a.npy', allow_pickle=False)\n");
    accepts("def f(**kw):\n    return kw\nx = f(**{'window': 20})\n");
}

#[test]
fn plotting_backends_are_imports_by_name() {
    rejects(
        "import pandas as pd\npd.set_option('plotting.backend', 'os')\n",
        "SBX105",
    );
    rejects(
        "import pandas as pd\nname = 'plotting.backend'\npd.set_option(name, 'os')\n",
        "SBX105",
    );
    rejects(
        "import pandas as pd\ndf = pd.DataFrame()\ndf.plot(backend='os')\n",
        "SBX105",
    );
    rejects(
        "import pandas as pd\ndf = pd.DataFrame()\ndf.plot.hist(backend='os')\n",
        "SBX105",
    );
    accepts("import pandas as pd\npd.set_option('display.max_rows', 20)\n");
}

#[test]
fn the_data_object_is_not_a_module() {
    rejects("from finlab import data\nx = data.pd.io.common\n", "SBX401");
    rejects("from finlab import data\nx = data.os.system\n", "SBX401");
    rejects(
        "def strategy(data):\n    return data.pd.eval('1')\n",
        "SBX401",
    );
    rejects(
        "def strategy(data):\n    d = [data][0]\n    return getattr(d, 'os')\n",
        "SBX203",
    );
    rejects(
        "def strategy(data):\n    match data.pd:\n        case object(io=x):\n            return x\n",
        "SBX401",
    );
    accepts(
        "from finlab import data\nclose = data.get('price:close')\nsignal = close.pct_change()\n",
    );
    accepts("from finlab import data\ndef helper(d):\n    return d.get('price:close')\nx = helper(data)\n");
}

#[test]
fn classes_reached_by_value_are_not_patched() {
    rejects(
        "import pandas as pd\ns = pd.Series([1.0])\ntype(s).shift = lambda self, n=1: self\n",
        "SBX801",
    );
    rejects(
        "import pandas as pd\ns = pd.Series([1.0])\nsetattr(type(s), 'rolling', lambda self, w: self)\n",
        "SBX801",
    );
    rejects(
        "import pandas as pd\ng = pd.DataFrame({'k': [1]}).groupby('k')\nfor kind in [type(g)]:\n    kind.sum = lambda self: self.first()\n",
        "SBX801",
    );
    rejects(
        "def strategy(data):\n    def cached(name):\n        return None\n    data.get = cached\n",
        "SBX801",
    );
    // Functions stored on the code's own objects are fine.
    accepts("class Box:\n    pass\nb = Box()\nb.hook = lambda x: x\n");
}

#[test]
fn own_methods_take_only_own_objects_as_self() {
    rejects(
        "import pandas as pd\nclass Fill:\n    def install(self):\n        self.shift = lambda *a: None\nFill.install(pd.DataFrame)\n",
        "SBX704",
    );
    rejects(
        "class Filled:\n    def wrap(self):\n        return self\ndef strategy(data):\n    Filled.wrap(data)\n",
        "SBX704",
    );
    accepts(
        "class Base:\n    def __init__(self, n):\n        self.n = n\nclass Child(Base):\n    def __init__(self, n):\n        Base.__init__(self, n)\nclass Util:\n    @staticmethod\n    def double(x):\n        return 2 * x\ny = Util.double(3)\nc = Child(2)\n",
    );
}

#[test]
fn string_dispatch_needs_literal_names() {
    rejects(
        "import pandas as pd\ns = pd.Series([1.0])\nhook = '_'.join(['to', 'pickle'])\ns.agg(hook, 0, '/srv/x.pkl')\n",
        "SBX203",
    );
    rejects(
        "import pandas as pd\nf = pd.DataFrame()\nname = 'TO_JSON'.lower()\nf.apply(name, path_or_buf='/etc/x.json')\n",
        "SBX203",
    );
    rejects(
        "import pandas as pd\nclass R:\n    METHOD = 'to_string'\n    def emit(self, frame):\n        return frame.agg(self.METHOD)\n",
        "SBX203",
    );
    rejects(
        "import pandas as pd\nf = pd.DataFrame()\nf.agg(**{'func': 'query'})\n",
        "SBX203",
    );
    rejects(
        "import numpy as np\nS = (None, True)\nx = np.load('/tmp/a.npy', *S)\n",
        "SBX604",
    );
    accepts(
        "import numpy as np\nimport pandas as pd\nfrom functools import partial\np90 = partial(np.percentile, q=90)\ndef spread(x):\n    return x.max() - x.min()\ns = pd.Series([1.0])\nm = s.agg(['mean', 'max', p90, spread, np.std, len])\nr = s.apply(lambda v: v * 2)\n",
    );
}

#[test]
fn honest_idioms_pass() {
    // Receiver-aware methods: the code's own `format`, `eval` and `query`.
    accepts("class Table:\n    def format(self, width):\n        return str(width)\nt = Table()\ntext = t.format(width=8)\n");
    accepts("class Rule:\n    def __init__(self, n):\n        self.n = n\n    def eval(self, x):\n        return x > self.n\nrules = [Rule(1), Rule(2)]\nmasks = [r.eval(3) for r in rules]\nfor rule in rules:\n    m = rule.eval(4)\n");
    // Ownership beyond `self`: `other`, `cls`, `type(self)`, exception class names.
    accepts("class Qty:\n    _unit = 'sh'\n    def __init__(self, q):\n        self._q = q\n    def __eq__(self, other):\n        if not isinstance(other, Qty):\n            return NotImplemented\n        return self._q == other._q\n    def __hash__(self):\n        return hash(self._q)\n    @classmethod\n    def unit(cls):\n        return cls._unit\n    def double(self):\n        return type(self)(self._q * 2)\n");
    accepts("try:\n    x = 1 / 0\nexcept ZeroDivisionError as exc:\n    name = exc.__class__.__name__\n");
    // Harmless dunder definitions and frozen dataclasses.
    accepts("class Box:\n    def __init__(self):\n        self.d = {}\n    def __setitem__(self, k, v):\n        self.d[k] = v\n    def __delitem__(self, k):\n        del self.d[k]\n");
    accepts("class Factor:\n    registry = {}\n    def __init_subclass__(cls, name=None, **kwargs):\n        super().__init_subclass__(**kwargs)\n        Factor.registry[name] = cls\nclass Mom(Factor, name='mom'):\n    pass\n");
    accepts("from dataclasses import dataclass\n@dataclass(frozen=True)\nclass Limits:\n    vol: float\n    def __post_init__(self):\n        object.__setattr__(self, 'vol', self.vol / 100)\n");
    // One allowlist for imports and attribute paths; exact internal names.
    accepts("from numpy.lib.stride_tricks import sliding_window_view\nfrom pandas.tseries.holiday import USFederalHolidayCalendar\nimport pandas as pd\nidx = pd.api.indexers.FixedForwardWindowIndexer(window_size=5)\nco_movement_window = 20\n");
    // Numeric f-string thresholds and `abs()` in query/eval.
    accepts("import pandas as pd\nMIN = 50\ndf = pd.DataFrame({'close': [1.0]})\nfloor = df['close'].quantile(0.2)\nx = df.query(f'close > {MIN} and close >= {floor}')\ny = df.eval('abs(close) > 1')\n");
    // getattr over a literal list of public names; hasattr on a protocol; relative paths.
    accepts("METHODS = ['mean', 'std']\ndef feats(roll):\n    return {m: getattr(roll, m)() for m in METHODS}\nfor m in METHODS:\n    pass\nok = hasattr([], '__iter__')\n");
    accepts("import pandas as pd\npd.DataFrame().to_csv('signals.csv')\n");
    // A class pattern's attribute names, listed as public literals.
    accepts("class Bar:\n    __match_args__ = ('open', 'close')\n    def __init__(self, o, c):\n        self.open = o\n        self.close = c\nmatch Bar(1, 2):\n    case Bar(o, c):\n        spread = c - o\n");
    // A copy made with `type(self)(...)` is the code's own object too.
    accepts("class Book:\n    def __init__(self):\n        self._pos = {}\n    def merge(self, other):\n        out = type(self)()\n        out._pos = {**self._pos, **other._pos}\n        return out\nbook = Book().merge(Book())\n");
    // Column methods inside expressions.
    accepts("import pandas as pd\ndf = pd.DataFrame({'close': [1.0, 2.0]})\ndf['z'] = df.eval('(close - close.mean()) / close.std()')\nhi = df.query('close > close.rolling(2).mean()')\n");
}

#[test]
fn the_honest_shortcuts_stay_closed() {
    // A peer parameter may be the data object: its module's private names stay closed.
    rejects("class Holder:\n    def __init__(self):\n        self._state = None\n    def grab(self, other):\n        return other._state\ndef strategy(data):\n    s = Holder().grab(data)\n    s['dir'] = '/'\n", "SBX302");
    // `__match_args__` names attributes a class pattern reads from the subject.
    rejects("import pandas as pd\nclass P(pd.DataFrame):\n    __match_args__ = ('_mgr',)\nmatch P({'a': [1]}):\n    case P(m):\n        print(m)\n", "SBX702");
    rejects(
        "names = ('f_back',)\nclass F:\n    __match_args__ = names\n",
        "SBX702",
    );
    rejects("class F:\n    __match_args__ = ('f_globals',)\n", "SBX303");
    rejects(
        "import pandas as pd\npd.DataFrame().to_csv('../etc/cron.d/x')\n",
        "SBX601",
    );
    rejects(
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nx = df.eval('a.apply(print)')\n",
        "SBX502",
    );
    rejects("import pandas as pd\ndf = pd.DataFrame()\nname = df.columns[0]\nx = df.query(f'close > {name}')\n", "SBX502");
    rejects(
        "METHODS = ['mean']\nMETHODS.append('__class__')\nfor m in METHODS:\n    getattr(1, m)\n",
        "SBX203",
    );
    rejects("x = hasattr(1, '_private')\n", "SBX203");
    rejects("class K:\n    pass\nT = type(K)('X', (), {})\n", "SBX204");
    rejects("import pandas as pd\nclass Mine(pd.DataFrame):\n    def leak(self):\n        return self.to_csv\n", "SBX604");
}

#[test]
fn a_class_name_rebound_to_a_library_value_is_not_trusted() {
    // The class's name, a call of it and an instance made through it, once the name holds a
    // DataFrame: its methods are a library's again.
    rejects(
        "import pandas as pd\nclass Report:\n    pass\nReport = pd.DataFrame({'a': [1]})\nReport.to_csv('/etc/x.csv')\n",
        "SBX601",
    );
    rejects(
        "import pandas as pd\nclass Report:\n    pass\nReport = pd.DataFrame\nReport({'a': [1]}).to_csv('/etc/x.csv')\n",
        "SBX601",
    );
    rejects(
        "import pandas as pd\nclass Report:\n    pass\nReport = pd.DataFrame\nr = Report({'a': [1]})\nr.to_csv('/etc/x.csv')\n",
        "SBX601",
    );
    // While the name holds the class, its methods are the code's own.
    accepts("class Report:\n    def to_csv(self, path):\n        return path\nReport().to_csv('/etc/x.csv')\nr = Report()\nr.to_csv('/etc/y.csv')\n");
}

#[test]
fn a_rebinding_after_a_function_still_counts_inside_it() {
    // A function body is judged where it is defined, before the walk reaches the rebinding
    // that runs before the function is called.
    rejects(
        "import pandas as pd\nclass Report:\n    pass\ndef save():\n    Report.to_csv('/etc/x.csv')\nReport = pd.DataFrame({'a': [1]})\nsave()\n",
        "SBX601",
    );
    rejects(
        "import pandas as pd\nclass Book:\n    pass\nbook = Book()\ndef save():\n    book.to_csv('/etc/x.csv')\nbook = pd.DataFrame({'a': [1]})\nsave()\n",
        "SBX601",
    );
    rejects(
        "import pandas as pd\nclass Book:\n    pass\ndef save():\n    Book()._mgr\nfor Book in [pd.DataFrame]:\n    pass\nsave()\n",
        "SBX302",
    );
    // A copy made with `type(self)(...)` stays the code's own.
    accepts("class Book:\n    def __init__(self):\n        self._n = 1\n    def copy(self):\n        other = type(self)()\n        other._n = self._n\n        return other\nsignal = 1\n");
}

/// The methods of a class `Filled` whose `wrap` stores a function on `self`, for the tests
/// below: `self` is trusted only while nothing but method binding can have filled it.
const FILLED: &str = "class Filled:\n    def wrap(self):\n        self.get = lambda *a: None\n";

#[test]
fn a_rebound_self_is_not_trusted() {
    for rebinding in [
        "if (self := source):\n            pass",
        "match source:\n            case self:\n                pass",
        "for self in [source]:\n            pass",
        "self, _ = source, 0",
        "[*self] = [source]",
        "with source as self:\n            pass",
        "try:\n            pass\n        except Exception as self:\n            pass",
        "def swap():\n            nonlocal self\n            self = source\n        swap()",
        "[0 for _ in [0] if (self := source)]",
    ] {
        let code = format!(
            "class Filled:\n    def wrap(self, source):\n        {rebinding}\n        self.get = lambda *a: None\n"
        );
        rejects(&code, "SBX801");
    }
    // Rebinding after the use still counts: a loop runs the body again.
    rejects(
        "class Filled:\n    def wrap(self, items):\n        for item in items:\n            self.get = lambda *a: None\n            self = item\n",
        "SBX801",
    );
    // A nested function's or comprehension's own `self` is not the method's.
    rejects(
        "class Filled:\n    def wrap(self, source):\n        def inner():\n            self = source\n            self.get = lambda *a: None\n        inner()\n",
        "SBX801",
    );
    rejects(
        "class Filled:\n    def wrap(self, source):\n        return [setattr(self, 'get', lambda *a: None) for self in [source]]\n",
        "SBX801",
    );
    accepts("class Filled:\n    def wrap(self):\n        def inner(self):\n            return self\n        self.get = lambda *a: None\n        return inner\n");
}

#[test]
fn an_own_decorator_takes_the_trust_in_self() {
    rejects(
        "def strategy(data):\n    def once(f):\n        f(data)\n        return f\n    class Filled:\n        @once\n        def wrap(self):\n            self.get = lambda *a: None\n    return 0\n",
        "SBX801",
    );
    accepts(
        "import functools\nclass Filled:\n    def __init__(self):\n        self._n = 1\n    @property\n    def n(self):\n        return self._n\n    @n.setter\n    def n(self, v):\n        self._n = v\n    @functools.lru_cache(maxsize=None)\n    def twice(self):\n        return self._n * 2\n    @functools.cached_property\n    def thrice(self):\n        return self._n * 3\nf = Filled()\nf.n = 2\nx = f.twice() + f.thrice\n",
    );
}

#[test]
fn methods_taken_from_a_class_choose_no_self() {
    for taking in [
        "Filled.wrap(data)",
        "Daily.wrap(data)",
        "Alias.wrap(data)",
        "hook = Filled.wrap\n    hook(data)",
        "list(map(Filled.wrap, [data]))",
        "functools.partial(Filled.wrap, data)()",
        "getattr(Filled, 'wrap')(data)",
        "Filled.wrapped.fget(data)",
        "Filled.wrap.__get__(data)()",
    ] {
        let code = format!(
            "import functools\n{FILLED}    @property\n    def wrapped(self):\n        return self.wrap()\nclass Daily(Filled):\n    pass\nAlias = Filled\ndef strategy(data):\n    {taking}\n    return 0\n"
        );
        let findings = codes(&code);
        assert!(
            findings.contains(&"SBX704") || findings.contains(&"SBX301"),
            "{code}: {findings:?}"
        );
    }
    // Through `cls`, `type(self)` and `super()` of a classmethod.
    rejects(
        &format!(
            "{FILLED}    @classmethod\n    def apply(cls, target):\n        cls.wrap(target)\n"
        ),
        "SBX704",
    );
    rejects(
        &format!("{FILLED}    def apply(self, target):\n        type(self).wrap(target)\n"),
        "SBX704",
    );
    rejects(
        &format!("{FILLED}class Daily(Filled):\n    @classmethod\n    def apply(cls, target):\n        super().wrap(target)\n"),
        "SBX704",
    );
    // Written above the class, and named in the class body.
    rejects(
        &format!("def install(target):\n    Filled.wrap(target)\n{FILLED}"),
        "SBX704",
    );
    rejects(
        "def strategy(data):\n    class Filled:\n        def wrap(self):\n            self.get = lambda *a: None\n        wrap(data)\n    return 0\n",
        "SBX704",
    );
    // Calls on instances, super() in an instance method, static and class methods.
    accepts(
        "class Base:\n    def __init__(self, n):\n        self._n = n\n    def size(self):\n        return self._n\n    @classmethod\n    def make(cls, n):\n        return cls(n)\n    @staticmethod\n    def unit(x):\n        return x\nclass Child(Base):\n    def size(self):\n        return super().size() + Base.size(self)\nc = Child.make(2)\nn = c.size() + Child.unit(1)\n",
    );
}

#[test]
fn a_registry_lets_classes_out_only_where_singledispatch_is_used() {
    accepts("import pandas as pd\nclass Signal:\n    registry = {}\n    def __init_subclass__(cls, key='', **kwargs):\n        super().__init_subclass__(**kwargs)\n        cls.key = key\n        Signal.registry[key] = cls\nclass Mom(Signal, key='mom'):\n    pass\nf = pd.DataFrame({'x': [1]})\nf.columns = ['y']\n");
    let patch = "\n@d.register\ndef _(x: pd.Series):\n    return 2\nfor k in list(d.registry):\n    k.total = 0\n";
    for make in [
        "from functools import singledispatch as sd\n@sd\ndef d(x):\n    return 1",
        "import functools as ft\n@ft.singledispatch\ndef d(x):\n    return 1",
        "import functools\nsd = getattr(functools, 'singledispatch')\n@sd\ndef d(x):\n    return 1",
    ] {
        rejects(&format!("import pandas as pd\n{make}{patch}"), "SBX801");
    }
}

#[test]
fn getattr_on_a_module_with_a_literal_name_is_that_attribute() {
    accepts("import numpy as np\nmean = getattr(np, 'nanmean')\nstd = getattr(np, 'nanstd', None)\nsignal = float(mean(np.array([1.0, 2.0])))\n");
    // Checked as the attribute: off the allowlist, a sink as a value, private.
    rejects(
        "import numpy as np\nc = getattr(np, 'ctypeslib')\n",
        "SBX401",
    );
    rejects("import numpy as np\nload = getattr(np, 'load')\n", "SBX604");
    rejects(
        "import numpy as np\ncore = getattr(np, '_core')\n",
        "SBX302",
    );
    // A computed name is still refused, and the module is still not a value.
    rejects(
        "import numpy as np\nname = 'nan' + 'mean'\nf = getattr(np, name)\n",
        "SBX402",
    );
}

#[test]
fn a_private_guard_method_vouches_for_what_it_checks() {
    let class = "class Box:\n    def __init__(self):\n        self._os = None\n";
    let guard = "    def _check(self, other):\n        \"\"\"Same kind.\"\"\"\n        if not isinstance(other, Box):\n            raise TypeError('Box expected')\n        if other._os is None:\n            raise ValueError('empty')\n";
    let uses = "    def __add__(self, other):\n        self._check(other)\n        return self._os == other._os\n";
    accepts(&format!("{class}{guard}{uses}"));
    accepts(&format!(
        "{class}    def _check(self, other):\n        assert isinstance(other, Box)\n{uses}"
    ));
    // Not a guard: it returns, yields (a call runs nothing), or checks nothing.
    for not_guard in [
        "    def _check(self, other):\n        if not isinstance(other, Box):\n            return None\n",
        "    def _check(self, other):\n        if not isinstance(other, Box):\n            raise TypeError('x')\n        yield\n",
        "    def _check(self, other):\n        print(other)\n        if not isinstance(other, Box):\n            raise TypeError('x')\n",
        "    def _check(self, other, alt):\n        if not isinstance(alt, Box):\n            raise TypeError('x')\n",
    ] {
        rejects(&format!("{class}{not_guard}{uses}"), "SBX302");
    }
    // Another function may sit under the name: a subclass's, an instance attribute, a class
    // attribute; and a public name may be set by `setattr`.
    rejects(
        &format!(
            "{class}{guard}{uses}class Sub(Box):\n    def _check(self, other):\n        pass\n"
        ),
        "SBX302",
    );
    rejects(
        &format!("{class}{guard}{uses}    def reset(self):\n        self._check = print\n"),
        "SBX302",
    );
    rejects(
        &format!("{class}{guard}{uses}class Sub(Box):\n    _check = print\n"),
        "SBX302",
    );
    rejects(
        &format!(
            "{class}{}{}",
            guard.replace("_check", "check"),
            uses.replace("_check", "check")
        ),
        "SBX302",
    );
    // Called with keywords or on another object, it proves nothing about these arguments.
    rejects(&format!("{class}{guard}    def __add__(self, other):\n        self._check(other=other)\n        return other._os\n"), "SBX302");
    rejects(&format!("{class}{guard}    def __add__(self, other):\n        Box()._check(self)\n        return other._os\n"), "SBX302");
}

#[test]
fn peers_need_an_isinstance_check_or_own_callers() {
    let class = "import random\nclass Box:\n    def __init__(self):\n        self._os = None\n";
    rejects(
        &format!("{class}    def merge(self, other):\n        return other._os\n"),
        "SBX302",
    );
    rejects(
        &format!("{class}    def merge(self, other):\n        return other._os\nr = random\nBox().merge(r)\n"),
        "SBX302",
    );
    // Rebound after the check.
    rejects(
        &format!("{class}    def merge(self, other, alt):\n        if not isinstance(other, Box):\n            return None\n        other = alt\n        return other._os\n"),
        "SBX302",
    );
    // A check on a class that is not the code's own proves nothing.
    rejects(
        &format!("{class}    def merge(self, other):\n        if isinstance(other, object):\n            return other._os\n"),
        "SBX302",
    );
    for guarded in [
        "if not isinstance(other, Box):\n            return NotImplemented\n        return self._os == other._os",
        "return isinstance(other, Box) and self._os == other._os",
        "if isinstance(other, (Box,)):\n            return self._os == other._os\n        return False",
        "return self._os == other._os if isinstance(other, type(self)) else False",
        "assert isinstance(other, Box)\n        return self._os == other._os",
    ] {
        accepts(&format!("{class}    def __eq__(self, other):\n        {guarded}\n"));
    }
    // Every call passes an own instance.
    accepts(&format!(
        "{class}    def merge(self, other):\n        return [self._os, other._os]\na = Box()\nb = Box()\nc = a.merge(b)\nd = a.merge(other=Box())\n"
    ));
}

#[test]
fn loops_over_lists_that_may_change_prove_nothing() {
    for change in [
        "objs.append(data)",
        "objs[0] = data",
        "more = objs\n    more.append(data)",
        "grow(objs, data)",
    ] {
        let code = format!(
            "class Filled:\n    pass\ndef grow(items, x):\n    items.append(x)\nobjs = [Filled()]\ndef patch():\n    for o in objs:\n        o.get = lambda *a: None\ndef strategy(data):\n    {change}\n    patch()\n    return 0\n"
        );
        rejects(&code, "SBX801");
    }
    accepts("class Rule:\n    def __init__(self, n):\n        self._n = n\nrules = [Rule(1), Rule(2)]\nfor r in rules:\n    r.hook = lambda x: x\n    n = r._n\nfirst = rules[0]\n");
}

#[test]
fn library_functions_stored_on_parameters_are_patches() {
    rejects(
        "import pandas as pd\ndef install(target):\n    target.shift = pd.Series.ffill\ninstall(pd.Series)\n",
        "SBX801",
    );
    rejects("def install(target):\n    target.get = print\n", "SBX801");
    accepts("import pandas as pd\ndef label(s, other):\n    s.name = other.name\n    s.index = pd.RangeIndex(len(s))\n    return s\n");
}

#[test]
fn a_class_used_as_a_value_trusts_no_self() {
    // Passed, returned from a classmethod, stored by `__init_subclass__`: whoever holds
    // the class can call `k.wrap(data)`.
    for escape in [
        "def apply(kind, target):\n    kind.wrap(target)\napply(Filled, None)\n",
        "class Maker(Filled):\n    @classmethod\n    def kind(cls):\n        return cls\n",
        "KINDS = {'f': Filled}\n",
        "class Sub(Filled):\n    pass\nSUBS = [Sub]\n",
        "def apply(kind, target):\n    kind.wrap(target)\nclass Sub(Filled):\n    def install(self, target):\n        apply(type(self), target)\n",
    ] {
        rejects(&format!("{FILLED}{escape}"), "SBX801");
    }
    rejects(
        "class Filled:\n    def wrap(self):\n        self.get = lambda *a: None\n    def __init_subclass__(cls, **kwargs):\n        cls.wrap(kwargs)\n",
        "SBX704",
    );
    // Calling, subclassing, `isinstance` and reading attributes keep the class sealed; a
    // registry of classes whose methods use no private state is fine.
    accepts(
        "class Box:\n    def __init__(self):\n        self._n = 1\n    def n(self):\n        return self._n\nclass Big(Box):\n    pass\nb = Big()\nok = isinstance(b, Box) and Box.n(b) == 1\nclass Factor:\n    registry = {}\n    def __init_subclass__(cls, **kwargs):\n        Factor.registry[cls.__name__] = cls\n    def compute(self, x):\n        return x\n",
    );
}

#[test]
fn a_classmethod_factory_makes_own_instances() {
    accepts("class Builder:\n    def __init__(self):\n        self._n = 0\n    @classmethod\n    def make(cls, n):\n        obj = cls()\n        obj._n = n\n        return obj\nb = Builder.make(3)\n");
    // `cls()` only where `cls` is a trusted classmethod's class.
    rejects(
        "import pandas as pd\nclass Builder:\n    def __init__(self):\n        self._mgr = None\n    @classmethod\n    def make(cls):\n        return cls\ndef build(cls):\n    obj = cls()\n    return obj._mgr\nbuild(pd.DataFrame)\n",
        "SBX302",
    );
}

#[test]
fn a_class_decorator_of_the_code_gets_the_class() {
    rejects(
        "def strategy(data):\n    def install(kind):\n        kind.wrap(data)\n        return kind\n    @install\n    class Filled:\n        def wrap(self):\n            self.get = lambda *a: None\n    return 0\n",
        "SBX801",
    );
    // Even when it borrows a standard decorator's name.
    rejects(
        "def dataclass(kind):\n    return kind\n@dataclass\nclass Filled:\n    def wrap(self):\n        self.get = lambda *a: None\n",
        "SBX801",
    );
    accepts("import functools\nfrom dataclasses import dataclass\n@functools.total_ordering\n@dataclass(frozen=True)\nclass Rank:\n    score: float\n    def __lt__(self, other):\n        if not isinstance(other, Rank):\n            return NotImplemented\n        return self.score < other.score\n    def hook(self):\n        self._seen = True\n");
}

#[test]
fn a_class_handed_to_a_factory_slot_is_a_value() {
    // `defaultdict(C).default_factory` and `dataclasses.fields(D)[0].default_factory` give
    // the class back, so a factory slot is no safer than any other argument.
    rejects(
        "import collections\nclass Filled:\n    def wrap(self):\n        self.get = lambda *a: None\ndef strategy(data):\n    books = collections.defaultdict(Filled)\n    books.default_factory.wrap(data)\n    return 0\n",
        "SBX801",
    );
}

#[test]
fn aliases_subscripted_with_values_are_types_only_as_literal_or_annotated() {
    let dispatch = "from functools import singledispatch\n@singledispatch\ndef f(x): return x\n";
    accepts(&format!(
        "{dispatch}from typing import Literal\nSide = Literal['buy', 'sell']\n@f.register\ndef _(x: Side): return x\n"
    ));
    accepts(&format!(
        "{dispatch}import typing as t\nPrice = t.Annotated[float, 'usd']\n@f.register\ndef _(x: Price): return x\n"
    ));
    // `Optional["..."]` is a forward reference that typing evaluates.
    rejects(
        &format!("{dispatch}from typing import Optional as Literal\nSide = Literal['1']\n@f.register\ndef _(x: Side): return x\n"),
        "SBX503",
    );
    // `Annotated`'s first element is the type, and a string there is evaluated.
    rejects(
        &format!("{dispatch}from typing import Annotated\nT = Annotated['1', 'm']\n@f.register\ndef _(x: T): return x\n"),
        "SBX503",
    );
}

#[test]
fn type_forms_in_annotations_are_types_unless_read_back_through_dataclass_fields() {
    accepts("class Base:\n    pass\nREGISTRY: dict[str, type[Base]] = {}\ndef register(cls: type[Base]) -> type[Base]:\n    REGISTRY['x'] = cls\n    return cls\n");
    accepts("def check(errors: tuple[type[Exception], ...] = (ValueError,), kind: type = int) -> 'type[int] | None':\n    local: type[int] = int\n    return None\n");
    // Read back, a class body's `type[...]` is `type` itself: `fields(A)[0].type("X", (), {})`.
    rejects("from dataclasses import dataclass, fields\n@dataclass\nclass A:\n    kind: type[object] = object\nmaker = fields(A)[0].type\n", "SBX205");
    rejects("from dataclasses import dataclass, fields\n@dataclass\nclass A:\n    kind: type = object\nmaker = fields(A)[0].type\n", "SBX205");
    // Anywhere but an annotation it is still `type` as a value.
    rejects("T = type[object]\nX = T('X', (), {})\n", "SBX205");
    rejects("type_ = [type][0]\n", "SBX205");
}

#[test]
fn param_spec_parts_are_types_and_other_names_with_args_are_not() {
    let head =
        "from typing import Callable, ParamSpec, TypeVar\nP = ParamSpec('P')\nR = TypeVar('R')\n";
    accepts(&format!(
        "{head}def timed(fn: Callable[P, R]) -> Callable[P, R]:\n    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:\n        return fn(*args, **kwargs)\n    return wrapper\n"
    ));
    // A name bound to anything else has no type paths, whatever the attribute is called.
    rejects(
        "class Box:\n    args = '__import__(\"os\")'\nP = Box()\ndef f(*a: P.args): return a\n",
        "SBX503",
    );
    rejects(
        "from typing import ParamSpec\nP = ParamSpec('P')\ndef f(x: P.name): return x\n",
        "SBX503",
    );
}

#[test]
fn query_fields_are_numbers_only_when_every_binding_anywhere_is_one() {
    let head = "import pandas as pd\nframe = pd.DataFrame({'close': [1.0]})\n";
    accepts(&format!("{head}for t in [0.01, -0.02, 3]:\n    frame.query(f'close > {{t}}')\nfor d in range(3):\n    frame.query(f'close > {{d}}')\n"));
    // Rebound further down, the loop's next pass pastes code.
    rejects(&format!("{head}limit = 0\nfor _ in range(2):\n    frame.query(f'close > {{limit}}')\n    limit = '@pd.io.common.os.getuid()'\n"), "SBX502");
    rejects(&format!("{head}limit = 0.5\ndef screen():\n    return frame.eval(f'close > {{limit}}')\ndef tune():\n    global limit\n    limit = 'x'\n"), "SBX502");
    // `range` rebound anywhere is no longer the builtin.
    rejects(&format!("{head}def screen():\n    for d in range(2):\n        frame.query(f'close > {{d}}')\nrange = dict.get\n"), "SBX502");
    // A loop over strings gives strings.
    rejects(
        &format!("{head}for t in ['close', '1']:\n    frame.query(f'close > {{t}}')\n"),
        "SBX502",
    );
}

#[test]
fn query_texts_read_out_of_sealed_literal_dicts_and_lists() {
    let head = "import pandas as pd\ndf = pd.DataFrame({'pe': [10.0]})\ndef f(x):\n    return x\nname = 'pe'\n";
    let body = "SCREENS: dict[str, str] = {'cheap': 'pe < 15', 'dear': 'pe > 30'}\nLIST = ['pe < 1', 'pe > 2']\nfor k in SCREENS:\n    df.query(SCREENS[k])\nfor i in range(2):\n    df.query(LIST[i])\n";
    accepts(&format!("{head}{body}"));
    for change in [
        "SCREENS['x'] = 'pe.__class__'",
        "f(SCREENS)",
        "SCREENS = {'a': 'pe.__class__'}",
        "SCREENS = {'a': name}",
        "SCREENS.update(b='c')",
        "LIST.append('pe.__class__')",
    ] {
        rejects(&format!("{head}{body}{change}\n"), "SBX502");
    }
}

#[test]
fn zones_built_at_run_time_are_refused_and_zone_parameters_are_not() {
    accepts("import pandas as pd\ndef days(tz='UTC'):\n    return pd.date_range('2024-01-01', periods=2, tz=tz)\nsignal = len(days())\n");
    rejects(
        "import pandas as pd\nzone = 'dateut' + 'il//etc/passwd'\nsignal = pd.Timestamp.now(zone)\n",
        "SBX605",
    );
    rejects(
        "import pandas as pd\nsignal = pd.date_range('2024-01-01', periods=2, tz=f'{\"date\"}util//etc/passwd')\n",
        "SBX605",
    );
}

#[test]
fn attribute_stores_are_refused_where_a_library_class_may_have_been_handed_in() {
    // A program that lets no library class out stores on its frames freely.
    accepts("import pandas as pd\ndef tidy(f):\n    f.columns = ['a']\n    f.index.name = 'd'\n    return f\nsignal = len(tidy(pd.DataFrame({'x': [1]})))\n");
    // Nor does catching one.
    accepts("import numpy as np\nimport pandas as pd\nfrom decimal import InvalidOperation, localcontext\ntry:\n    w = np.linalg.inv(np.eye(2))\nexcept (np.linalg.LinAlgError, InvalidOperation):\n    w = None\nwith localcontext() as ctx:\n    ctx.prec = 50\nf = pd.DataFrame({'x': [1]})\nf.columns = ['y']\nsignal = len(f)\n");
    // A tuple of them kept in a variable has let them out.
    rejects("import numpy as np\nERRORS = (np.linalg.LinAlgError, ValueError)\ndef tidy(f):\n    f.columns = ['a']\n    return f\n", "SBX801");
    // Checking, comparing and printing a class lets nothing out.
    accepts("import pandas as pd\nf = pd.DataFrame({'x': [1]})\nprint(type(f), f'{type(f)}')\nok = isinstance(f, pd.DataFrame) and type(f) is pd.DataFrame\nf.columns = ['y']\nsignal = ok\n");
    // A class passed, defaulted, listed or kept in a variable may reach any variable.
    for source in [
        "import pandas as pd\ndef f(k):\n    k.total = 0\nf(pd.Series)\n",
        "import pandas as pd\ndef f(k=pd.Series):\n    del k.shift\nf()\n",
        "from pandas import Index\nfor k in [Index]:\n    setattr(k, 'total', 0)\n",
        "import pandas as pd\nk = type(pd.Series([1]))\nk.total = 0\n",
        "import pandas as pd\npd.Series.mro()[0].total = 0\n",
    ] {
        rejects(source, "SBX801");
    }
}
