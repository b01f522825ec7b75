"""Adversarial corpus probe: proves which targets a program reaches, with no validator.

A test helper, not part of the product. It runs inside a container of the sandbox image
(no network, read-only root, tmpfs /tmp, non-root), started by the root package's
`adversarial_reach` test:

    python3 -I probe.py DIR_OR_FILE...     # one child process per file, one JSON line each

Each child reads {"code", "secret"} on stdin and mirrors the product's harness: numpy,
pandas and the finlab shim preloaded, the code exec'd as a module, `strategy(data)` called
with `finlab.data` pointed at /data when the code defines it. Before anything else the child
registers an audit hook; once armed (just before the code runs) it records the first target
the code reaches, writes the report and ends the process, so nothing harmful goes on.
Targets that raise no audit event are caught by canaries checked after the code returns:
a secret held only in the caller's frame (host-frames), an interned string that raw memory
access changes (raw-memory), and snapshots of pandas/numpy classes and modules and of the
data object (tamper-pandas, tamper-data).
"""

import os
import sys

REPORT_TAG = "\x1ePROBE-REPORT "
# The child's report goes to a private duplicate of stdout, whatever the code does to fd 1.
_REPORT_FD = os.dup(1)

# Modules a strategy may import: the validator's default allowlist (defaults.rs, IMPORTS).
ALLOWED_TOP = frozenset(
    """__future__ abc bisect calendar cmath collections contextlib copy dataclasses datetime dateutil
    decimal enum finlab fractions functools heapq io itertools json math numbers numpy operator
    pandas pprint random re statistics string textwrap time types typing warnings zoneinfo""".split()
)
# What the code may read: its own /tmp, the market data, time zones, Python's own files.
READ_ROOTS = ("/tmp", "/data", "/usr/share/zoneinfo", "/usr/lib/python3", "/usr/lib/python3.11",
              "/usr/local/lib/python3.11", "/opt/stockade", "/usr/lib/x86_64-linux-gnu", "/etc/localtime")
WRITE_ROOTS = ("/tmp",)

OS_SYSTEM_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn")
SUBPROCESS_EVENTS = ("subprocess.Popen", "_posixsubprocess.fork_exec")
PICKLE_EVENTS = ("pickle.find_class", "shelve.open")
# Loading any module's .pyc raises marshal.loads: only the program's own calls count.
MARSHAL_EVENTS = ("marshal.loads", "marshal.load")
FRAME_EVENTS = ("sys._getframe", "sys._current_frames", "sys._getframemodulename")
FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals",
                         "f_builtins"})
PATH_WRITE_EVENTS = frozenset({"os.chmod", "os.chown", "os.mkdir", "os.remove", "os.rename", "os.rmdir",
                               "os.truncate", "os.utime", "os.link", "os.symlink", "shutil.rmtree",
                               "shutil.move", "shutil.copyfile"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# The raw-memory canary. Interned, so a program's identical literal is the same object; and
# every str constant spelled this way is that object, so it is compared as bytes afterwards.
CANARY_BYTES = b"stockade_canary_immutable"
USER_FILENAME = "<strategy>"


def _under(path, roots):
    return any(path == r or path.startswith(r + "/") for r in roots)


def child():
    import json

    # `soft`: a module outside the allowlist was loaded. That is recorded but does not stop
    # the program (libraries import lazily: pandas' urlopen imports urllib.request); whatever
    # harm the module then does is caught as its own target.
    state = {"armed": False, "busy": False, "soft": [], "soft_detail": ""}
    realpath, fspath, write, exit_now, getframe = os.path.realpath, os.fspath, os.write, os._exit, sys._getframe
    dumps = json.dumps

    def report(target, detail):
        state["armed"] = False
        reached = sorted(set(state["soft"]) | {target})
        write(_REPORT_FD, (REPORT_TAG + dumps({"reached": reached, "detail": detail}) + "\n").encode())
        exit_now(0)

    def path_of(arg):
        if isinstance(arg, int):
            return None
        try:
            raw = fspath(arg)
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "surrogateescape")
            return realpath(raw)
        except Exception:
            return None

    def from_user_code():
        # pandas reads frames for query/eval scopes on its own, which is not the program
        # reaching them: only events raised directly by the program's code count.
        frame = getframe(3)  # from_user_code <- check <- hook <- the code that raised it
        return frame.f_code.co_filename == USER_FILENAME

    def check(event, args):
        if event.startswith(OS_SYSTEM_EVENTS):
            report("os-system", event)
        if event in SUBPROCESS_EVENTS:
            report("subprocess", event)
        if event.startswith("socket."):
            report("socket", event)
        if event.startswith(("ctypes.", "_ctypes.")):
            report("ctypes", event)
        if event in PICKLE_EVENTS:
            report("pickle", f"{event} {args[:2]!r}" if event == "pickle.find_class" else event)
        if event in MARSHAL_EVENTS and from_user_code():
            report("pickle", event)
        if event in FRAME_EVENTS and from_user_code():
            report("host-frames", event)
        if event == "object.__getattr__" and len(args) > 1 and args[1] in FRAME_ATTRS and from_user_code():
            report("host-frames", f"{event} {args[1]}")
        if event == "import":
            name = args[0] if args and isinstance(args[0], str) else ""
            top = name.partition(".")[0]
            if top in ("ctypes", "_ctypes"):
                report("ctypes", f"import {name}")
            if top and top not in ALLOWED_TOP and not state["soft"]:
                state["soft"].append("import-module")
                state["soft_detail"] = f"import {name}"
        if event == "object.__setattr__" and len(args) > 1 and isinstance(args[0], type):
            owner = getattr(args[0], "__module__", "") or ""
            if owner.partition(".")[0] in ("pandas", "numpy"):
                report("tamper-pandas", f"{event} {owner}.{args[0].__name__}.{args[1]}")
        if event == "open" and args:
            path = path_of(args[0])
            if path is None:
                return
            mode = args[1] if len(args) > 1 else "r"
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & WRITE_FLAGS)
            if writing and not _under(path, WRITE_ROOTS):
                report("write-outside-tmp", f"open {path} for writing")
            if not writing and not _under(path, READ_ROOTS):
                report("read-host-file", f"open {path}")
        if event in PATH_WRITE_EVENTS:
            for arg in args[:2]:
                path = path_of(arg)
                if path is not None and not _under(path, WRITE_ROOTS):
                    report("write-outside-tmp", f"{event} {path}")

    def hook(event, args):
        if not state["armed"] or state["busy"]:
            return
        state["busy"] = True
        try:
            check(event, args)
        finally:
            state["busy"] = False

    sys.addaudithook(hook)

    import types

    import numpy
    import pandas

    sys.path.insert(0, "/opt/stockade/python")
    import finlab
    import finlab.data

    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdin = open(os.devnull)
    sys.argv = [USER_FILENAME]
    # As in the harness: a ctypes import by the code is a real (audited) import.
    for name in [m for m in sys.modules if m.partition(".")[0] in ("ctypes", "_ctypes")]:
        del sys.modules[name]

    code = request["code"]
    strategy_mode = any(line.startswith("def strategy(") for line in code.splitlines())
    if strategy_mode:
        finlab.data._configure("/data")  # as the harness does before running a strategy
    canary = sys.intern(CANARY_BYTES.decode("ascii"))
    watched = [pandas.DataFrame, pandas.Series, pandas.Index, pandas.core.generic.NDFrame,
               pandas.core.groupby.DataFrameGroupBy, pandas.core.groupby.SeriesGroupBy,
               pandas.core.window.Rolling]
    # And every class either library exports at its top level (numpy.matrix, numpy.vectorize,
    # pandas.option_context, ...).
    watched += [v for m in (numpy, pandas) for v in vars(m).values()
                if isinstance(v, type) and v not in watched]
    before_types = {t: dict(vars(t)) for t in watched}
    before_modules = {m: dict(vars(m)) for m in (pandas, numpy)}
    data_module = dict(vars(finlab.data))
    data_state = finlab.data._state

    result = host_run(code, request["secret"], state, finlab, types, strategy_mode)
    state["armed"] = False

    reached, detail = list(state["soft"]), [state["soft_detail"]]
    if canary.encode("ascii", "replace") != CANARY_BYTES:
        reached.append("raw-memory")
        detail.append("the interned canary string changed")
    for t, saved in before_types.items():
        now = vars(t)
        changed = sorted(k for k in set(saved) | set(now) if saved.get(k) is not now.get(k))
        if changed:
            reached.append("tamper-pandas")
            detail.append(f"{t.__name__}: {changed[:5]}")
    for m, saved in before_modules.items():
        now = vars(m)
        changed = sorted(k for k in saved if saved[k] is not now.get(k))
        if changed:
            reached.append("tamper-pandas")
            detail.append(f"{m.__name__}: {changed[:5]}")
    now = vars(finlab.data)
    changed = sorted(k for k in set(data_module) | set(now) if data_module.get(k) is not now.get(k))
    state_now = finlab.data._state
    # Loading data sets `manifest` ({} without a manifest file) and fills `cache`: not tampering.
    if (
        changed
        or state_now is not data_state
        or set(state_now) != {"dir", "cache", "manifest"}
        or state_now["dir"] != ("/data" if strategy_mode else None)
        or state_now["manifest"] not in (None, {})
    ):
        reached.append("tamper-data")
        detail.append(f"data object changed: {changed[:5]} {sorted(state_now)[:5]}")
    if request["secret"] in result["text"]:
        reached.append("host-frames")
        detail.append("the caller's secret reached the result")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the program may have closed or replaced it
            pass
    final = {"reached": sorted(set(reached)), "detail": "; ".join(d for d in detail if d), "error": result["error"]}
    write(_REPORT_FD, (REPORT_TAG + dumps(final) + "\n").encode())
    exit_now(0)


def host_run(code, secret, state, finlab, types, strategy_mode):
    """Runs the code as the harness does; `secret` lives only in this frame."""
    host_secret = secret  # noqa: F841 - the canary a frame walk would find
    module = types.ModuleType("__strategy__")
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__strategy__"] = module
    out = {"text": "", "error": None}
    signal = None
    try:
        compiled = compile(code, USER_FILENAME, "exec", dont_inherit=True)
        state["armed"] = True
        exec(compiled, module.__dict__)
        strategy = module.__dict__.get("strategy")
        if strategy_mode and callable(strategy):
            signal = strategy(finlab.data)
        else:
            signal = module.__dict__.get("signal")
    except BaseException as exc:  # noqa: BLE001 - a failing program still gets its state checked
        state["armed"] = False
        out["error"] = f"{type(exc).__name__}: {exc}"[:500]
    state["armed"] = False
    try:
        out["text"] = repr(signal)[:100000]
    except BaseException:  # noqa: BLE001
        out["text"] = ""
    return out


def parent(paths):
    import json
    import secrets
    import shutil
    import subprocess

    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files.extend(os.path.join(root, n) for n in names if n.endswith(".py"))
        else:
            files.append(p)
    for path in sorted(files):
        with open(path, encoding="utf-8") as handle:
            code = handle.read()
        secret = "host-secret-" + secrets.token_hex(16)
        request = json.dumps({"code": code, "secret": secret}).encode()
        try:
            proc = subprocess.run([sys.executable, "-I", os.path.abspath(__file__), "--child"], input=request,
                                  capture_output=True, timeout=60, cwd="/tmp")
            out = proc.stdout.decode("utf-8", "replace")
            err = proc.stderr.decode("utf-8", "replace")
            status = proc.returncode
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode("utf-8", "replace")
            err, status = "timeout", None
        head, tag, tail = out.rpartition(REPORT_TAG)
        if tag:
            report = json.loads(tail.splitlines()[0])
            printed = head
        else:
            report = {"reached": [], "detail": f"no report (status {status}): {err[-300:]}"}
            printed = out
        if secret in printed or secret in err:
            report["reached"] = sorted(set(report["reached"]) | {"host-frames"})
            report["detail"] = (report.get("detail") or "") + "; the caller's secret was printed"
        report["file"] = path
        print(json.dumps(report), flush=True)
        # Nothing a program left in /tmp may reach the next one.
        for entry in os.listdir("/tmp"):
            full = os.path.join("/tmp", entry)
            try:
                if os.path.isdir(full) and not os.path.islink(full):
                    shutil.rmtree(full)
                else:
                    os.remove(full)
            except OSError as exc:
                print(f"probe: cannot clean {full}: {exc}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        parent(sys.argv[1:])
