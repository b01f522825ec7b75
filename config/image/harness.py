"""Stockade in-container harness.

Runs one request per process, as the sandbox image's command
(`python3 -I /opt/stockade/harness.py`). The protocol, shared with the runner:

1. Load the native module `_stockade_native` (crates/sandbox-native), which
   keeps private duplicates of the stdout and stderr fds, so user code that
   closes or replaces them cannot lose the result.
2. Preload what the container's kind names (the environment variable
   STOCKADE_PRELOAD, chosen by the runner from the code's imports): `plain`
   loads nothing more, `numpy` loads numpy, `pandas` numpy and pandas (without
   pyarrow, which the process then cannot import), `full` (the default) numpy,
   pandas, pyarrow and the data loader. A module the code imports that is not
   preloaded is imported after the filters are up, as any other module is.
3. Install a seccomp filter (exec, process creation and network sockets
   denied) and the native audit hook, say so with the ready line on the private
   stdout fd (a warm pool hands out only containers that have), then let the
   native module read one JSON request from stdin until EOF. It keeps the
   request's nonce, arms the limits the request names (see below) and hands
   Python the rest.
4. Run the code: `execute` mode reports the top-level variable `signal`;
   `strategy` mode calls `strategy(data)` with a loader for the read-only
   market data in `data_dir`.
5. Flush the user's streams and return the encoded outcome to the native
   module, which writes the closing line on the private stderr fd, then exactly
   one result frame on the private stdout fd, and exits 0, whatever the code
   did. A non-zero exit therefore means the process died.

The ready line is b"\\x1eSTOCKADE-READY\\n", the first bytes on stdout. The
closing line and the frame are one line each:
    b"\\n\\x1eSTOCKADE-END " + nonce + b"\\n"                           (stderr)
    b"\\n\\x1eSTOCKADE-RESULT " + nonce + b" " + single-line JSON + b"\\n"   (stdout)

Both streams are pipes, so once the runner has read the closing line and the
frame, it has everything the code wrote before them: it answers without
waiting for the container to exit.

What must survive hostile Python lives in the native module, where no Python
object refers to it: the audit hook and its policy (registered with
PySys_AddAuditHook, so `gc` cannot find it and nothing can remove it), the
nonce (never a Python object) and the result writer (one use). It also arms
limits that hold even if the runner is gone: RLIMIT_CPU from the request's
`timeout_ms` x `cpus`, a wall-clock alarm that ends the process (exit 124)
10 s after `timeout_ms`, and a watch that ends it (exit 125) when it has more
than `max_threads` threads.

The audit hook is a tripwire for honest mistakes and naive attacks; the
seccomp filter and the container are the boundary.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# `-I` keeps the script directory off sys.path; the native module and the finlab
# shim live in python/ beside us.
sys.path.insert(0, os.path.join(_HERE, "python"))

# Step 1, before anything else can touch fds 1 and 2.
import _stockade_native as native  # noqa: E402

import datetime  # noqa: E402
import errno  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import linecache  # noqa: E402
import math  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402

import seccomp  # noqa: E402

# Step 2: what each kind of container preloads, cheapest first. Imports that run
# before the filters must be these fixed lists, never names taken from the code.
PRELOADS = {
    "plain": (),
    "numpy": ("numpy",),
    "pandas": ("numpy", "pandas"),
    "full": ("numpy", "pandas", "pyarrow", "pyarrow.parquet", "pandas.io.parquet", "finlab", "finlab.data"),
}
# Modules a kind runs without, as if they were not installed. pandas looks for pyarrow once,
# at its own import, and pyarrow costs about a sixth of that import: code that never names
# Arrow or its file formats (the runner checks) gets pandas without it. They stay out for the
# process's life: pandas would misbehave if pyarrow arrived after it had decided it was absent.
KEPT_OUT = {"pandas": ("pyarrow",)}
PRELOAD_KIND = os.environ.get("STOCKADE_PRELOAD", "full")
if PRELOAD_KIND not in PRELOADS:
    sys.stderr.write(f"stockade harness: unknown STOCKADE_PRELOAD {PRELOAD_KIND!r}\n")
    sys.exit(2)
# The preloaded libraries leave a few hundred thousand objects that live as long as the
# process. Collecting while they are imported only burns the container's CPU (about a tenth of
# the import), and freezing them afterwards keeps the code's own collections from walking them.
gc.disable()
for _name in KEPT_OUT.get(PRELOAD_KIND, ()):
    # An import of a module that sys.modules maps to None raises ImportError.
    sys.modules[_name] = None
for _name in PRELOADS[PRELOAD_KIND]:
    __import__(_name)
gc.freeze()
gc.enable()

USER_FILENAME = "<strategy>"
DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024
MAX_REQUEST_BYTES = 64 * 1024 * 1024
MAX_TRACEBACK_CHARS = 16 * 1024
MAX_MESSAGE_CHARS = 4 * 1024
MAX_REPR_CHARS = 1000
MAX_NESTING = 64

# Paths user code may open: everything under WRITABLE_ROOTS; the rest read-only.
# Python's own module directories are added at start-up (imports open files).
WRITABLE_ROOTS = ("/tmp",)
READ_ROOTS = ("/data", "/usr/share/zoneinfo", _HERE)

# numpy imports ctypes while loading; it is dropped from sys.modules before the
# native hook (which refuses these imports) is installed, so that a user import
# is a real import.
PRELOADED_DENIED = frozenset({"ctypes", "_ctypes", "cffi", "_cffi_backend"})

# Linux constants (x86_64 and aarch64 share these values).
AF_UNIX = 1
CLONE_THREAD = 0x00010000
CLONE_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
# Rules the harness refuses to start without.
SECCOMP_REQUIRED = frozenset({"execve", "execveat", "fork", "vfork", "clone", "clone3", "socket", "socketpair"})
# Syscalls user code never needs; EPERM keeps the failure a Python exception.
SECCOMP_DENIED = (
    "execve",
    "execveat",
    "fork",
    "vfork",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "personality",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "bpf",
    "userfaultfd",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    "mknod",
    "mknodat",
)


class ResultTooLarge(Exception):
    """The encoded result would exceed the request's max_result_bytes."""


# --------------------------------------------------------------------------
# Confinement
# --------------------------------------------------------------------------


def _module_roots():
    roots = []
    for entry in sys.path:
        if entry and entry.startswith("/") and os.path.isdir(entry):
            roots.append(os.path.realpath(entry))
    return tuple(roots)


def install_seccomp():
    """Deny exec, process creation, non-UNIX sockets and kernel attack surface."""
    filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    # Apply to every thread, including BLAS and allocator threads started by imports.
    filt.set_attr(seccomp.Attr.CTL_TSYNC, 1)
    eperm = seccomp.ERRNO(errno.EPERM)

    def rule(action, name, *args):
        try:
            filt.add_rule(action, name, *args)
        except (RuntimeError, ValueError, OSError):
            # A call unknown to this libseccomp/architecture has nothing to deny, but
            # the protocol's core rules must exist: fail closed (no frame, exit 1).
            if name in SECCOMP_REQUIRED:
                raise

    for name in SECCOMP_DENIED:
        rule(eperm, name)
    # glibc falls back to clone() when clone3() reports ENOSYS; clone's flags
    # can be inspected, clone3's (behind a pointer) cannot.
    rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    # Threads (CLONE_THREAD) are fine; new processes and namespaces are not.
    rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    for flag in CLONE_NAMESPACE_FLAGS:
        rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rule(eperm, "socket", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    rule(eperm, "socketpair", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    filt.load()


# --------------------------------------------------------------------------
# Result encoding
# --------------------------------------------------------------------------


def _loaded(name):
    """The module `name` if the process has imported it (preloaded or by the code).

    Values of a library that was never imported cannot occur, so the encoder only
    looks for the types of libraries that are loaded.
    """
    module = sys.modules.get(name)
    return module if isinstance(module, types.ModuleType) else None


class Encoder:
    """Turns a result into JSON-ready values within a byte budget.

    The budget is checked while converting, so a huge result costs at most about
    `max_bytes` of work before ResultTooLarge is raised.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.spent = 0
        self.numpy = _loaded("numpy")
        self.pandas = _loaded("pandas")

    def charge(self, n):
        self.spent += n
        if self.spent > self.max_bytes:
            raise ResultTooLarge()

    def charge_elements(self, count):
        # Every element costs at least one byte: refuse hopeless results early.
        if count > self.max_bytes - self.spent:
            raise ResultTooLarge()

    def encode(self, value, depth=0):
        if depth > MAX_NESTING:
            return self.repr_of(value)
        if value is None or isinstance(value, bool):
            self.charge(5)
            return value
        if isinstance(value, int):
            try:
                self.charge(len(str(value)) + 1)
            except ValueError:  # more digits than int->str conversion allows
                return self.repr_of(f"<int with {value.bit_length()} bits>")
            return int(value)
        if isinstance(value, float):
            return self.float_of(float(value))
        if isinstance(value, str):
            self.charge(len(value) + 3)
            return str(value)
        numpy, pandas = self.numpy, self.pandas
        if numpy is not None and isinstance(value, numpy.generic):
            return self.numpy_scalar(value)
        if pandas is not None and (value is pandas.NaT or value is pandas.NA):
            self.charge(5)
            return None
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            # pandas.Timestamp is a datetime.datetime.
            text = value.isoformat()
            self.charge(len(text) + 3)
            return text
        if pandas is not None:
            if isinstance(value, pandas.DataFrame):
                return self.frame(value, depth)
            if isinstance(value, pandas.Series):
                return self.series(value, depth)
            if isinstance(value, pandas.Index):
                self.charge_elements(len(value))
                return [self.encode(v, depth + 1) for v in value.tolist()]
        if numpy is not None and isinstance(value, numpy.ndarray):
            self.charge_elements(value.size)
            return self.encode(value.tolist(), depth + 1)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                out[self.key_of(key)] = self.encode(item, depth + 1)
                self.charge(2)
            return out
        if isinstance(value, (list, tuple, set, frozenset)):
            self.charge_elements(len(value))
            return [self.encode(item, depth + 1) for item in value]
        return self.repr_of(value)

    def float_of(self, value):
        self.charge(len(repr(value)) + 1)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value

    def numpy_scalar(self, value):
        numpy = self.numpy
        if isinstance(value, numpy.datetime64):
            if numpy.isnat(value):
                self.charge(5)
                return None
            if self.pandas is not None:
                return self.encode(self.pandas.Timestamp(value))
            return self.repr_of(value)
        if isinstance(value, numpy.timedelta64):
            return self.repr_of(value)
        try:
            item = value.item()
        except Exception:
            return self.repr_of(value)
        if isinstance(item, numpy.generic):
            # e.g. longdouble: no exact Python equivalent.
            return self.float_of(float(item)) if isinstance(item, numpy.floating) else self.repr_of(item)
        return self.encode(item)

    def key_of(self, key):
        if isinstance(key, str):
            text = key
        else:
            encoded = self.encode(key, MAX_NESTING)
            text = encoded if isinstance(encoded, str) else json.dumps(encoded, allow_nan=False)
        self.charge(len(text) + 3)
        return text

    def frame(self, df, depth):
        rows, cols = df.shape
        self.charge_elements(rows * cols + rows + cols)
        columns = [self.encode(c, depth + 2) for c in df.columns.tolist()]
        index = [self.encode(i, depth + 2) for i in df.index.tolist()]
        data = [[self.encode(v, depth + 3) for v in row] for row in df.itertuples(index=False, name=None)]
        return {"__type__": "dataframe", "columns": columns, "index": index, "data": data}

    def series(self, s, depth):
        self.charge_elements(2 * len(s))
        return {
            "__type__": "series",
            "name": self.encode(s.name, depth + 1),
            "index": [self.encode(i, depth + 2) for i in s.index.tolist()],
            "data": [self.encode(v, depth + 2) for v in s.tolist()],
        }

    def repr_of(self, value):
        try:
            text = repr(value)
        except BaseException as exc:  # noqa: BLE001 - user __repr__ may raise anything
            text = f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"
        text = text[:MAX_REPR_CHARS]
        self.charge(len(text) + 32)
        return {"__type__": "repr", "repr": text}


def encode_result(value, max_bytes):
    """Return the single-line JSON text for a value, or raise ResultTooLarge."""
    tree = Encoder(max_bytes).encode(value)
    text = _dumps(tree)
    if len(text.encode("utf-8")) > max_bytes:
        raise ResultTooLarge()
    return text


def _dumps(value, _encode=json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode):
    # ensure_ascii keeps the frame one line of plain ASCII whatever the data. The
    # encoder is bound at import, before user code could replace json.dumps.
    return _encode(value)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def _clip(text, limit):
    return text if len(text) <= limit else text[: limit - 15] + "...[truncated]"


def error_info(exc):
    """Describe an exception, keeping only frames of the user's code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == USER_FILENAME]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.StackSummary.from_list(frames).format())
    lines.extend(traceback.format_exception_only(type(exc), exc))
    text = "".join(lines)
    if len(text) > MAX_TRACEBACK_CHARS:
        # Keep the end: the raising frame and the message matter most.
        text = "...[truncated]\n" + text[-(MAX_TRACEBACK_CHARS - 15) :]
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001
        message = "<unprintable message>"
    return {
        "type": type(exc).__name__,
        "message": _clip(message, MAX_MESSAGE_CHARS),
        "traceback": text,
    }


def simple_error(kind, message):
    return {"type": kind, "message": message, "traceback": ""}


# --------------------------------------------------------------------------
# Running the request
# --------------------------------------------------------------------------


def run_code(request):
    """Run the request's code; return (ok, signal, error)."""
    mode = request.get("mode")
    code = request.get("code")
    if mode not in ("execute", "strategy"):
        return False, None, simple_error("RequestError", f"unknown mode {mode!r}")
    if not isinstance(code, str):
        return False, None, simple_error("RequestError", "code must be a string")

    data_dir = request.get("data_dir")
    finlab_data = None
    if mode == "strategy":
        # The runner gives strategies a container of the `full` kind, which loaded it.
        finlab_data = _loaded("finlab.data")
        if finlab_data is None:
            return False, None, simple_error("RequestError", "strategy mode needs the data loader preloaded")
        finlab_data._configure(data_dir if isinstance(data_dir, str) else "/data")

    module_name = "__main__" if mode == "execute" else "__strategy__"
    module = types.ModuleType(module_name)
    module.__dict__["__builtins__"] = __builtins__
    sys.modules[module_name] = module
    # Source lines for tracebacks of the user's code.
    linecache.cache[USER_FILENAME] = (len(code), None, code.splitlines(True), USER_FILENAME)

    try:
        compiled = compile(code, USER_FILENAME, "exec", dont_inherit=True)
        exec(compiled, module.__dict__)
        if mode == "execute":
            return True, module.__dict__.get("signal"), None
        strategy = module.__dict__.get("strategy")
        if not callable(strategy):
            return False, None, simple_error("StrategyError", "the code must define a function strategy(data)")
        return True, strategy(finlab_data), None
    except SystemExit as exc:
        # A deliberate clean exit (exit(), sys.exit(0)) ends the program normally.
        if exc.code in (None, 0) and mode == "execute":
            return True, module.__dict__.get("signal"), None
        return False, None, error_info(exc)
    except BaseException as exc:  # noqa: BLE001 - every user failure becomes a result
        return False, None, error_info(exc)


def build_body(ok, signal, error, max_bytes):
    """Encode the outcome as the one-line JSON body of the result frame."""
    result_truncated = False
    signal_text = "null"
    if ok:
        try:
            signal_text = encode_result(signal, max_bytes)
        except ResultTooLarge:
            ok, result_truncated = False, True
            error = simple_error(
                "ResultTooLarge",
                f"the result exceeds the limit of {max_bytes} bytes once encoded as JSON",
            )
        except RecursionError:
            ok = False
            error = simple_error("ResultEncodingError", "the result is nested too deeply to encode")
    return (
        '{"ok":' + _dumps(ok) + ',"signal":' + signal_text + ',"error":' + _dumps(error)
        + ',"result_truncated":' + _dumps(result_truncated) + "}"
    )


def flush_user_streams(streams):
    for stream in streams:
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - user may have closed or replaced it
            pass


def main():
    original_streams = (sys.stdout, sys.stderr)
    devnull = open(os.devnull)
    for name in [m for m in sys.modules if m.partition(".")[0] in PRELOADED_DENIED]:
        del sys.modules[name]
    install_seccomp()
    native.install(list(WRITABLE_ROOTS), list(READ_ROOTS + _module_roots()))
    try:
        native.ready()
    except OSError:
        pass  # The runner then waits for the result without it.

    try:
        # The nonce stays in the native module: the request comes back without it.
        request = json.loads(native.read_request(MAX_REQUEST_BYTES))
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"stockade harness: invalid request: {exc}\n")
        sys.stderr.flush()
        os._exit(2)
    max_bytes = request.get("max_result_bytes", DEFAULT_MAX_RESULT_BYTES)
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        max_bytes = DEFAULT_MAX_RESULT_BYTES

    # User code reads an empty stdin, never the request.
    sys.stdin = devnull
    sys.argv = [USER_FILENAME]

    def produce():
        ok, signal, error = run_code(request)
        try:
            body = build_body(ok, signal, error, max_bytes)
        except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while encoding
            body = build_body(False, None, simple_error("ResultEncodingError", _clip(repr(exc), MAX_MESSAGE_CHARS)), max_bytes)
        flush_user_streams((sys.stdout, sys.stderr) + original_streams)
        return body

    # Writes the closing line and the frame, then ends the process (skipping atexit
    # handlers and thread joins that user code may have registered).
    native.finish(produce)


if __name__ == "__main__":
    main()
