"""Unit tests of the in-container harness (config/image/harness.py).

Each test runs the harness as a separate process with a request on stdin, exactly
as a container does, so the seccomp filter it installs never touches the test
runner. Run them with a Python that has numpy, pandas, pyarrow and python3-seccomp,
normally inside the sandbox image (tests/image_harness.rs does that):

    STOCKADE_HARNESS=/opt/stockade/harness.py python3 -m unittest discover -s tests/harness

Environment: STOCKADE_HARNESS (harness path; default: the repository's copy),
STOCKADE_HARNESS_PYTHON (interpreter; default: this one).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.environ.get("STOCKADE_HARNESS") or os.path.join(HERE, "..", "..", "config", "image", "harness.py")
PYTHON = os.environ.get("STOCKADE_HARNESS_PYTHON") or sys.executable
FIXTURES = os.path.join(HERE, "data")
NONCE = "0123456789abcdef0123456789abcdef"
TAG = b"\n\x1eSTOCKADE-RESULT "
READY = b"\x1eSTOCKADE-READY\n"


class Run:
    """One harness process: its frame, the stdout around it, stderr and exit code."""

    def __init__(self, proc):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr.decode("utf-8", "replace")
        marker = TAG + NONCE.encode() + b" "
        at = proc.stdout.rfind(marker)
        self.frame = None
        self.ready = proc.stdout.startswith(READY)
        start = len(READY) if self.ready else 0
        self.user_stdout = proc.stdout[start:]
        if at >= 0:
            line_end = proc.stdout.index(b"\n", at + len(marker))
            self.frame = json.loads(proc.stdout[at + len(marker) : line_end])
            self.user_stdout = proc.stdout[start:at]
            self.after_frame = proc.stdout[line_end + 1 :]

    @property
    def ok(self):
        return self.frame["ok"]

    @property
    def signal(self):
        return self.frame["signal"]

    @property
    def error(self):
        return self.frame["error"]


def run_request(request, raw=None, timeout=60):
    body = raw if raw is not None else json.dumps(request).encode()
    proc = subprocess.run(
        [PYTHON, "-I", HARNESS],
        input=body,
        capture_output=True,
        timeout=timeout,
        cwd="/tmp",
    )
    return Run(proc)


def run_code(code, mode="execute", **extra):
    request = {"nonce": NONCE, "mode": mode, "code": code, "max_result_bytes": 8 * 1024 * 1024}
    request.update(extra)
    result = run_request(request)
    if result.frame is None:
        raise AssertionError(f"no frame (exit {result.code}): {result.stderr[-2000:]}")
    return result


class ProtocolTests(unittest.TestCase):
    def test_print_then_one_frame_and_exit_zero(self):
        r = run_code("print(1)")
        self.assertTrue(r.ready, "the ready line comes first")
        self.assertEqual(r.code, 0)
        self.assertEqual(r.user_stdout, b"1\n")
        self.assertEqual(r.after_frame, b"")
        self.assertEqual(r.stdout.count(TAG), 1)
        self.assertEqual(r.frame, {"ok": True, "signal": None, "error": None, "result_truncated": False})

    def test_frame_is_one_ascii_line(self):
        r = run_code("signal = {'收盤價': 'é\\n\\u2028'}")
        line = r.stdout[r.stdout.rfind(TAG) + 1 :]
        self.assertTrue(line.endswith(b"\n"))
        self.assertEqual(line.count(b"\n"), 1)
        line.decode("ascii")
        self.assertEqual(r.signal, {"收盤價": "é\n\u2028"})

    def test_closing_line_ends_stderr(self):
        r = run_code("import sys\nsys.stderr.write('warn')\nsignal = 1")
        self.assertEqual(r.stderr, f"warn\n\x1eSTOCKADE-END {NONCE}\n")

    def test_closing_line_survives_a_closed_stderr(self):
        r = run_code("import os\nos.close(2)\nsignal = 1")
        self.assertEqual(r.stderr, f"\n\x1eSTOCKADE-END {NONCE}\n")

    def test_user_cannot_read_the_request(self):
        r = run_code("import sys\nsignal = sys.stdin.read()")
        self.assertEqual(r.signal, "")

    def test_invalid_request_exits_2_without_frame(self):
        for raw in (b"{not json", b"[1]", json.dumps({"nonce": "XYZ", "mode": "execute", "code": ""}).encode()):
            r = run_request(None, raw=raw)
            self.assertEqual(r.code, 2, raw)
            self.assertIsNone(r.frame)
            self.assertIn("invalid request", r.stderr)

    def test_unknown_mode_is_an_error_result(self):
        r = run_code("x = 1", mode="eval")
        self.assertFalse(r.ok)
        self.assertEqual(r.error["type"], "RequestError")


class EncodingTests(unittest.TestCase):
    def test_dataframe_and_series(self):
        r = run_code(
            "import pandas as pd, numpy as np\n"
            "idx = pd.to_datetime(['2024-01-02', '2024-01-03'])\n"
            "df = pd.DataFrame({'a': [1.5, np.nan], 'b': [np.inf, -np.inf], 'c': [True, False]}, index=idx)\n"
            "signal = {'df': df, 's': pd.Series([1, 2], index=['x', 'y'], name='pos')}\n"
        )
        self.assertTrue(r.ok, r.error)
        self.assertEqual(
            r.signal["df"],
            {
                "__type__": "dataframe",
                "columns": ["a", "b", "c"],
                "index": ["2024-01-02T00:00:00", "2024-01-03T00:00:00"],
                "data": [[1.5, "Infinity", True], [None, "-Infinity", False]],
            },
        )
        self.assertEqual(r.signal["s"], {"__type__": "series", "name": "pos", "index": ["x", "y"], "data": [1, 2]})

    def test_scalars_arrays_dates_and_containers(self):
        r = run_code(
            "import numpy as np, pandas as pd, datetime, decimal\n"
            "signal = [np.int64(7), np.float32(0.5), np.bool_(True), np.arange(6).reshape(2, 3),\n"
            "          datetime.date(2024, 1, 2), pd.Timestamp('2024-01-02 03:04:05'), pd.NaT,\n"
            "          np.datetime64('2024-01-02'), float('nan'), (1, {2}), {1: 'int key'},\n"
            "          decimal.Decimal('1.5'), None, 'text', 2**70]\n"
        )
        self.assertTrue(r.ok, r.error)
        self.assertEqual(
            r.signal,
            [
                7,
                0.5,
                True,
                [[0, 1, 2], [3, 4, 5]],
                "2024-01-02",
                "2024-01-02T03:04:05",
                None,
                "2024-01-02T00:00:00",
                None,
                [1, [2]],
                {"1": "int key"},
                {"__type__": "repr", "repr": "Decimal('1.5')"},
                None,
                "text",
                2**70,
            ],
        )

    def test_repr_fallback_is_capped(self):
        r = run_code("class X:\n    def __repr__(self):\n        return 'x' * 5000\nsignal = X()")
        self.assertEqual(r.signal, {"__type__": "repr", "repr": "x" * 1000})

    def test_repr_that_raises(self):
        r = run_code("class X:\n    def __repr__(self):\n        raise RuntimeError('no')\nsignal = X()")
        self.assertTrue(r.ok)
        self.assertIn("unrepresentable", r.signal["repr"])

    def test_cyclic_and_deep_containers_do_not_crash(self):
        r = run_code("a = []\na.append(a)\nb = []\nfor _ in range(100000):\n    b = [b]\nsignal = [a, b]")
        self.assertEqual(r.code, 0)
        self.assertTrue(r.ok, r.error)

    def test_result_too_large(self):
        r = run_code("signal = list(range(100000))", max_result_bytes=1000)
        self.assertFalse(r.ok)
        self.assertTrue(r.frame["result_truncated"])
        self.assertEqual(r.error["type"], "ResultTooLarge")
        self.assertIsNone(r.signal)

    def test_result_just_under_the_limit_fits(self):
        # "[0,1,...,99]" is 291 bytes.
        r = run_code("signal = list(range(100))", max_result_bytes=291)
        self.assertTrue(r.ok, r.error)
        r = run_code("signal = list(range(100))", max_result_bytes=290)
        self.assertEqual(r.error["type"], "ResultTooLarge")

    def test_huge_frame_is_refused_quickly(self):
        r = run_code("import numpy as np, pandas as pd\nsignal = pd.DataFrame(np.zeros((3000, 3000)))", max_result_bytes=1 << 20)
        self.assertEqual(r.error["type"], "ResultTooLarge")


class ErrorTests(unittest.TestCase):
    def test_exception_traceback_shows_only_user_frames(self):
        r = run_code("def f():\n    return 1 / 0\n\nf()\n")
        self.assertFalse(r.ok)
        self.assertEqual(r.code, 0)
        self.assertEqual(r.error["type"], "ZeroDivisionError")
        self.assertEqual(r.error["message"], "division by zero")
        tb = r.error["traceback"]
        self.assertIn('File "<strategy>", line 4', tb)
        self.assertIn("return 1 / 0", tb)
        self.assertNotIn("harness", tb)

    def test_error_inside_a_library_keeps_the_user_frame(self):
        r = run_code("import pandas as pd\npd.DataFrame({'a': [1]})['missing']\n")
        self.assertEqual(r.error["type"], "KeyError")
        self.assertIn('File "<strategy>", line 2', r.error["traceback"])
        self.assertNotIn("pandas/core", r.error["traceback"])

    def test_syntax_error(self):
        r = run_code("x = (\n")
        self.assertEqual(r.error["type"], "SyntaxError")
        self.assertIn("<strategy>", r.error["traceback"])

    def test_recursion_error_is_a_result(self):
        r = run_code("def f(n):\n    return f(n + 1)\nf(0)")
        self.assertEqual(r.code, 0)
        self.assertEqual(r.error["type"], "RecursionError")
        self.assertIn("Previous line repeated", r.error["traceback"])

    def test_system_exit(self):
        r = run_code("signal = 5\nraise SystemExit(3)")
        self.assertFalse(r.ok)
        self.assertEqual(r.error["type"], "SystemExit")
        r = run_code("import sys\nsignal = 5\nsys.exit(0)")
        self.assertTrue(r.ok)
        self.assertEqual(r.signal, 5)

    def test_keyboard_interrupt_and_base_exception(self):
        r = run_code("raise KeyboardInterrupt")
        self.assertEqual(r.error["type"], "KeyboardInterrupt")
        r = run_code("class Weird(BaseException):\n    pass\nraise Weird('odd')")
        self.assertEqual((r.error["type"], r.error["message"]), ("Weird", "odd"))


class GuardTests(unittest.TestCase):
    def test_closed_stdout_and_stderr(self):
        r = run_code("import os, sys\nprint('before', flush=True)\nsys.stdout.close()\nos.close(1)\nos.close(2)\nsignal = 1")
        self.assertEqual(r.code, 0)
        self.assertEqual(r.signal, 1)
        self.assertEqual(r.user_stdout, b"before\n")

    def test_replaced_stdout(self):
        r = run_code("import io, sys\nsys.stdout = io.StringIO()\nsys.stderr = None\nprint('hidden')\nsignal = 2")
        self.assertEqual(r.signal, 2)

    def test_forged_frame_is_not_the_last(self):
        code = f"print('\\n\\x1eSTOCKADE-RESULT {NONCE} ' + '{{\"ok\":true,\"signal\":666}}')\nsignal = 1"
        r = run_code(code)
        self.assertEqual(r.signal, 1)

    def test_user_threads_do_not_delay_exit(self):
        r = run_code("import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()\nsignal = 3")
        self.assertEqual(r.signal, 3)

    def test_threads_and_numpy_work(self):
        r = run_code(
            "import threading, numpy as np, pandas as pd\n"
            "out = []\n"
            "def work():\n"
            "    a = np.random.default_rng(0).random((200, 200))\n"
            "    out.append(float((a @ a).sum() > 0))\n"
            "ts = [threading.Thread(target=work) for _ in range(4)]\n"
            "[t.start() for t in ts]\n"
            "[t.join() for t in ts]\n"
            "from concurrent.futures import ThreadPoolExecutor\n"
            "with ThreadPoolExecutor(2) as ex:\n"
            "    doubled = list(ex.map(lambda x: x * 2, range(4)))\n"
            "signal = [out, doubled, float(pd.DataFrame(np.ones((50, 4))).rolling(5).mean().iloc[-1].sum())]\n"
        )
        self.assertTrue(r.ok, r.error)
        self.assertEqual(r.signal, [[1.0] * 4, [0, 2, 4, 6], 4.0])


class ConfinementTests(unittest.TestCase):
    def assert_blocked(self, code, expected_type="SandboxViolation"):
        r = run_code(code)
        self.assertEqual(r.code, 0)
        self.assertFalse(r.ok, f"{code!r} was allowed")
        self.assertEqual(r.error["type"], expected_type, r.error)
        return r

    def test_process_creation_is_blocked(self):
        self.assert_blocked("import os\nos.system('id')")
        self.assert_blocked("import subprocess\nsubprocess.run(['id'])")
        self.assert_blocked("import os\nos.fork()")
        self.assert_blocked("import os\nos.execv('/usr/bin/python3', ['python3'])")
        self.assert_blocked("import os\nos.posix_spawn('/usr/bin/python3', ['python3'], {})")

    def test_network_is_blocked(self):
        self.assert_blocked("import socket\nsocket.socket(socket.AF_INET, socket.SOCK_STREAM)")
        self.assert_blocked("import socket\nsocket.getaddrinfo('localhost', 80)")

    def test_ctypes_is_blocked(self):
        self.assert_blocked("import ctypes")

    def test_files_outside_tmp_and_data(self):
        self.assert_blocked("open('/etc/passwd').read()")
        self.assert_blocked("open('/tmp/../etc/passwd').read()")
        self.assert_blocked("import os\nos.listdir('/etc')")
        self.assert_blocked("open('/opt/stockade/evil.py', 'w')")
        self.assert_blocked("import os\nos.chdir('/etc')\nopen('passwd').read()")
        r = run_code(
            "import os, tempfile\n"
            "d = tempfile.mkdtemp()\n"
            "open(os.path.join(d, 'x'), 'w').write('ok')\n"
            "signal = open(os.path.join(d, 'x')).read()\n"
        )
        self.assertEqual(r.signal, "ok")

    def test_symlink_out_of_tmp_is_followed_and_blocked(self):
        self.assert_blocked(
            "import os, tempfile\nd = tempfile.mkdtemp()\nos.symlink('/etc/passwd', d + '/p')\nopen(d + '/p').read()"
        )
        # "link/.." is the parent of the link's target, not a lexical no-op.
        self.assert_blocked(
            "import os, tempfile\nd = tempfile.mkdtemp()\nos.symlink('/usr/lib', d + '/l')\n"
            "open(d + '/l/../../etc/passwd').read()"
        )
        # Lying os.lstat/os.readlink do not change what the hook resolves.
        self.assert_blocked(
            "import os, tempfile\nd = tempfile.mkdtemp()\nos.symlink('/etc/passwd', d + '/p')\n"
            "real = os.lstat(d)\nos.lstat = lambda *a, **k: real\nos.readlink = lambda *a, **k: d\n"
            "open(d + '/p').read()"
        )

    def test_seccomp_filter_blocks_without_the_audit_hook(self):
        # Import the harness as a module and install only its seccomp filter, so
        # the syscalls reach the kernel (no audit hook to stop them first).
        probe = (
            "import os, socket, sys, threading\n"
            f"sys.path.insert(0, {os.path.dirname(os.path.abspath(HARNESS))!r})\n"
            "import harness\n"
            "harness.install_seccomp()\n"
            "def attempt(fn):\n"
            "    try:\n"
            "        fn()\n"
            "        return 'allowed'\n"
            "    except OSError as e:\n"
            "        return e.errno\n"
            "results = {\n"
            "    'fork': attempt(os.fork),\n"
            "    'exec': attempt(lambda: os.execv(sys.executable, [sys.executable, '-c', '1'])),\n"
            "    'inet': attempt(lambda: socket.socket(socket.AF_INET)),\n"
            "    'inet6': attempt(lambda: socket.socket(socket.AF_INET6)),\n"
            "    'unix': attempt(lambda: socket.socket(socket.AF_UNIX)),\n"
            "    'thread': attempt(lambda: threading.Thread(target=int).start()),\n"
            "}\n"
            "print(results)\n"
        )
        proc = subprocess.run([PYTHON, "-I", "-c", probe], capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        results = eval(proc.stdout.decode().strip().splitlines()[-1])  # noqa: S307 - our own output
        self.assertEqual(results, {"fork": 1, "exec": 1, "inet": 1, "inet6": 1, "unix": "allowed", "thread": "allowed"})


class StrategyTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The audit hook lets user code read /data and /tmp only: stage the fixtures in /tmp.
        cls.data = tempfile.mkdtemp(prefix="stockade-data-", dir="/tmp")
        for name in os.listdir(FIXTURES):
            shutil.copy(os.path.join(FIXTURES, name), cls.data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data, ignore_errors=True)

    def run_strategy(self, code, data_dir=None):
        return run_code(code, mode="strategy", data_dir=data_dir or self.data)

    def test_strategy_reads_parquet_and_csv(self):
        r = self.run_strategy(
            "def strategy(data):\n"
            "    close = data.get('price:收盤價')\n"
            "    eps = data.get('financial_statement:每股盈餘')\n"
            "    return [list(close.shape), str(close.index.dtype), list(eps.shape), str(eps.index.dtype)]\n"
        )
        self.assertTrue(r.ok, r.error)
        self.assertEqual(r.signal, [[400, 30], "datetime64[ns]", [12, 30], "datetime64[ns]"])

    def test_finlab_import_and_dataframe_signal(self):
        r = self.run_strategy(
            "from finlab import data\n"
            "def strategy(d):\n"
            "    assert d is data\n"
            "    close = data.get('price:收盤價')\n"
            "    return (close > close.rolling(20).mean()).tail(2)\n"
        )
        self.assertTrue(r.ok, r.error)
        self.assertEqual(r.signal["__type__"], "dataframe")
        self.assertEqual(len(r.signal["data"]), 2)
        self.assertEqual(len(r.signal["columns"]), 30)

    def test_get_returns_copies(self):
        r = self.run_strategy(
            "def strategy(data):\n"
            "    a = data.get('price:收盤價')\n"
            "    a.iloc[0, 0] = -1\n"
            "    return float(data.get('price:收盤價').iloc[0, 0])\n"
        )
        self.assertGreater(r.signal, 0)

    def test_missing_dataset_and_traversal(self):
        r = self.run_strategy("def strategy(data):\n    return data.get('price:nothing')\n")
        self.assertEqual(r.error["type"], "DataNotFound")
        self.assertIn("price__nothing.parquet", r.error["message"])
        r = self.run_strategy("def strategy(data):\n    return data.get('../../etc/passwd')\n")
        self.assertEqual(r.error["type"], "DataNotFound")

    def test_manifest_maps_names(self):
        data = tempfile.mkdtemp(prefix="stockade-manifest-", dir="/tmp")
        try:
            shutil.copy(os.path.join(FIXTURES, "price__收盤價.parquet"), os.path.join(data, "close.parquet"))
            with open(os.path.join(data, "manifest.json"), "w", encoding="utf-8") as f:
                json.dump({"price:close": "close.parquet", "escape": "../../etc/passwd"}, f)
            r = self.run_strategy("def strategy(data):\n    return data.get('price:close').shape[0]\n", data)
            self.assertEqual(r.signal, 400)
            r = self.run_strategy("def strategy(data):\n    return data.get('escape')\n", data)
            self.assertEqual(r.error["type"], "DataNotFound")
        finally:
            shutil.rmtree(data, ignore_errors=True)

    def test_strategy_must_be_defined(self):
        r = self.run_strategy("x = 1\n")
        self.assertEqual(r.error["type"], "StrategyError")

    def test_main_guard_does_not_run_in_strategy_mode(self):
        r = self.run_strategy(
            "def strategy(data):\n    return 1\nif __name__ == '__main__':\n    raise RuntimeError('self-test ran')\n"
        )
        self.assertEqual(r.signal, 1)

    def test_execute_mode_has_no_data(self):
        r = run_code("from finlab import data\nsignal = data.get('price:收盤價')")
        self.assertEqual(r.error["type"], "DataNotFound")
        self.assertIn("strategy mode", r.error["message"])


class NativeLayerTests(unittest.TestCase):
    """What hostile Python cannot reach: the audit hook, the nonce, the result writer and the
    limits live in the native module (crates/sandbox-native)."""

    def test_no_audit_hook_is_reachable_and_it_still_holds(self):
        r = run_code(
            "import gc, types\n"
            "hooks = [f for f in gc.get_objects() if isinstance(f, types.FunctionType) and f.__code__.co_name == 'hook']\n"
            "try:\n    import ctypes\n    loaded = True\nexcept PermissionError:\n    loaded = False\n"
            "signal = [len(hooks), loaded]"
        )
        self.assertEqual(r.signal, [0, False])

    def test_nonce_is_in_no_frame_and_no_container(self):
        # The nonce is spelled backwards here so that the code itself does not hold it.
        r = run_code(
            "import gc, sys\n"
            f"target = {NONCE[::-1]!r}[::-1]\n"
            "mine = sys._getframe().f_locals\n"
            "def holds(values):\n"
            "    return any(isinstance(v, str) and v == target and v is not target for v in values)\n"
            "found = []\n"
            "f = sys._getframe()\n"
            "while f is not None:\n"
            "    if f.f_locals is not mine and holds(f.f_locals.values()):\n"
            "        found.append(f.f_code.co_name)\n"
            "    f = f.f_back\n"
            "for obj in gc.get_objects():\n"
            "    if obj is mine:\n        continue\n"
            "    values = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()\n"
            "    if holds(values):\n        found.append(type(obj).__name__)\n"
            "signal = found"
        )
        self.assertEqual(r.signal, [])

    def test_the_result_writer_is_one_use(self):
        r = run_code(
            "import sys\n"
            "native = sys.modules['_stockade_native']\n"
            "try:\n"
            "    native.finish(lambda: '{\"ok\":true,\"signal\":\"forged\",\"error\":null,\"result_truncated\":false}')\n"
            "    signal = 'wrote'\n"
            "except RuntimeError as e:\n"
            "    signal = str(e)\n"
        )
        self.assertEqual(r.code, 0)
        self.assertEqual(r.stdout.count(TAG), 1)
        self.assertEqual(r.signal, "the result has already been written")

    def test_policy_cannot_be_widened(self):
        r = run_code(
            "import sys\n"
            "native = sys.modules['_stockade_native']\n"
            "out = []\n"
            "try:\n    native.install(['/'], ['/'])\nexcept RuntimeError as e:\n    out.append(str(e))\n"
            "try:\n    native.read_request(100)\nexcept RuntimeError as e:\n    out.append(str(e))\n"
            "try:\n    open('/etc/passwd').read()\n    out.append('read')\nexcept PermissionError as e:\n    out.append(type(e).__name__)\n"
            "signal = out"
        )
        self.assertEqual(
            r.signal,
            ["the sandbox policy is already installed", "the request has already been read", "SandboxViolation"],
        )

    def test_cpu_rlimit_from_timeout_and_cpus(self):
        r = run_code(
            "import resource\nsignal = list(resource.getrlimit(resource.RLIMIT_CPU))",
            timeout_ms=20_000,
            cpus=0.5,
        )
        soft, hard = r.signal
        # 20 s x 0.5 cpus = 10 CPU seconds, plus 5 of grace, plus what start-up used.
        self.assertGreaterEqual(soft, 15)
        self.assertLess(soft, 15 + 60)
        self.assertEqual(hard, soft + 1)

    # The watch counts the kernel's thread list; the chroot run outside Docker has no /proc.
    @unittest.skipUnless(os.path.isdir("/proc/self/task"), "needs /proc (runs inside the image)")
    def test_thread_cap_ends_the_process(self):
        r = run_request(
            {
                "nonce": NONCE,
                "mode": "execute",
                "code": "import threading, time\n"
                "for _ in range(60):\n"
                "    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
                "time.sleep(30)\n",
                "max_threads": 30,
            }
        )
        self.assertEqual(r.code, 125)
        self.assertIsNone(r.frame)
        self.assertIn("threads exceed the sandbox's limit of 30", r.stderr)

    def test_wall_clock_alarm_ends_the_process(self):
        r = run_request(
            {"nonce": NONCE, "mode": "execute", "code": "import time\ntime.sleep(300)", "timeout_ms": 100}
        )
        self.assertEqual(r.code, 124)
        self.assertIsNone(r.frame)
        self.assertIn("wall-clock limit", r.stderr)


if __name__ == "__main__":
    unittest.main()
