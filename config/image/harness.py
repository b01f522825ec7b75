"""Stockade in-container harness.

Runs one request per process, as the sandbox image's command
(`python3 -I /opt/stockade/harness.py`). The protocol, shared with the runner:

1. Keep private duplicates of the stdout and stderr fds, so user code that
   closes or replaces them cannot lose the result.
2. Preload numpy, pandas and pyarrow, so a warm container is ready to run.
3. Install a Python audit hook and a seccomp filter (exec, process creation and
   network sockets denied), say so with the ready line on the private stdout fd
   (a warm pool hands out only containers that have), then read one JSON request
   from stdin until EOF.
4. Run the code: `execute` mode reports the top-level variable `signal`;
   `strategy` mode calls `strategy(data)` with a loader for the read-only
   market data in `data_dir`.
5. Flush the user's streams, write the closing line on the private stderr fd,
   then exactly one result frame on the private stdout fd, and exit 0, whatever
   the code did. A non-zero exit therefore means the process died.

The ready line is b"\\x1eSTOCKADE-READY\\n", the first bytes on stdout. The
closing line and the frame are one line each:
    b"\\n\\x1eSTOCKADE-END " + nonce + b"\\n"                           (stderr)
    b"\\n\\x1eSTOCKADE-RESULT " + nonce + b" " + single-line JSON + b"\\n"   (stdout)

Both streams are pipes, so once the runner has read the closing line and the
frame, it has everything the code wrote before them: it answers without
waiting for the container to exit.

The audit hook is a tripwire for honest mistakes and naive attacks; Python
code can evade audit hooks. The seccomp filter and the container are the
boundary.
"""

import os
import sys

# Step 1, before anything else can touch fds 1 and 2.
_RESULT_FD = os.dup(1)
_END_FD = os.dup(2)

import datetime  # noqa: E402
import errno  # noqa: E402
import json  # noqa: E402
import linecache  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402

# Step 2: preload the numeric stack (and what data loading uses) once.
import numpy  # noqa: E402
import pandas  # noqa: E402
import pyarrow  # noqa: E402,F401
import pyarrow.parquet  # noqa: E402,F401
import pandas.io.parquet  # noqa: E402,F401
import seccomp  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
# `-I` keeps the script directory off sys.path; the finlab shim lives beside us.
sys.path.insert(0, os.path.join(_HERE, "python"))
import finlab  # noqa: E402
import finlab.data  # noqa: E402

USER_FILENAME = "<strategy>"
FRAME_TAG = b"\n\x1eSTOCKADE-RESULT "
DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024
MAX_REQUEST_BYTES = 64 * 1024 * 1024
MAX_TRACEBACK_CHARS = 16 * 1024
MAX_MESSAGE_CHARS = 4 * 1024
MAX_REPR_CHARS = 1000
MAX_NESTING = 64
NONCE_RE = re.compile(r"\A[0-9a-f]{32}\Z")

# Paths user code may open: everything under WRITABLE_ROOTS; the rest read-only.
# Python's own module directories are added at start-up (imports open files).
WRITABLE_ROOTS = ("/tmp",)
READ_ROOTS = ("/data", "/usr/share/zoneinfo", _HERE)

# Audit events that are refused once the hook is active.
DENIED_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "os.startfile",
        "subprocess.Popen",
        "pty.spawn",
        "sys.remote_exec",
        "_posixsubprocess.fork_exec",
    }
)
DENIED_PREFIXES = ("socket.", "ctypes.", "_ctypes.", "winreg.", "msvcrt.")
# numpy imports ctypes while loading; it is dropped from sys.modules afterwards so
# that a user import is a real import, which the hook refuses.
DENIED_IMPORTS = frozenset({"ctypes", "_ctypes", "cffi", "_cffi_backend"})
# Filesystem-changing events whose first argument is a path: allowed under /tmp only.
PATH_WRITE_EVENTS = frozenset(
    {
        "os.chmod",
        "os.chown",
        "os.chflags",
        "os.lchflags",
        "os.mkdir",
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.truncate",
        "os.utime",
        "os.setxattr",
        "os.removexattr",
        "os.link",
        "os.symlink",
        "shutil.rmtree",
        "shutil.move",
        "shutil.copyfile",
    }
)
PATH_READ_EVENTS = frozenset({"os.listdir", "os.scandir", "os.listxattr", "os.getxattr", "glob.glob"})

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


class SandboxViolation(PermissionError):
    """Raised by the audit hook when user code attempts a forbidden operation."""


class ResultTooLarge(Exception):
    """The encoded result would exceed the request's max_result_bytes."""


# --------------------------------------------------------------------------
# Confinement
# --------------------------------------------------------------------------


def _under(path, roots):
    return any(path == root or path.startswith(root + "/") for root in roots)


def _module_roots():
    roots = []
    for entry in sys.path:
        if entry and entry.startswith("/") and os.path.isdir(entry):
            roots.append(os.path.realpath(entry))
    return tuple(roots)


def _make_resolver():
    """Return resolve(path) -> absolute path with every symlink followed, as the kernel would.

    Uses the `posix` functions directly (bound now), so user code that monkeypatches
    os or os.path cannot make the audit hook see a different path than the kernel opens.
    Components are resolved in order, so "link/.." means the parent of the link's
    target (not a lexical cancellation, which a symlink could abuse).
    """
    import posix
    import stat

    lstat, readlink, getcwd, is_link = posix.lstat, posix.readlink, posix.getcwd, stat.S_ISLNK

    def resolve(raw):
        if not raw.startswith("/"):
            raw = getcwd() + "/" + raw
        pending = [p for p in raw.split("/") if p and p != "."]
        done = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = "/" + "/".join(done + [part])
            try:
                mode = lstat(candidate).st_mode
            except OSError:
                done.append(part)  # does not exist (yet): nothing to follow
                continue
            if not is_link(mode):
                done.append(part)
                continue
            hops += 1
            if hops > 40:
                return None  # a loop: the kernel would refuse too (ELOOP)
            target = readlink(candidate)
            if target.startswith("/"):
                done = []
            pending = [p for p in target.split("/") if p and p != "."] + pending
        return "/" + "/".join(done)

    return resolve


def _make_audit_hook():
    # Everything the hook calls is bound here, so later monkeypatching of
    # os/posixpath by user code does not change the hook's behaviour.
    fspath = os.fspath
    resolve_path = _make_resolver()
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    writable = WRITABLE_ROOTS
    readable = WRITABLE_ROOTS + READ_ROOTS + tuple(resolve_path(r) for r in _module_roots())
    denied = DENIED_EVENTS
    denied_prefixes = DENIED_PREFIXES
    denied_imports = DENIED_IMPORTS
    path_write = PATH_WRITE_EVENTS
    path_read = PATH_READ_EVENTS
    under = _under
    violation = SandboxViolation
    path_types = (str, bytes, os.PathLike)

    def resolve(path):
        # None: a file descriptor, nothing to check; "": unresolvable, refused.
        if isinstance(path, int):
            return None
        try:
            raw = fspath(path)
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "surrogateescape")
            return resolve_path(raw) or ""
        except Exception:
            return ""

    def hook(event, args):
        if event in denied or event.startswith(denied_prefixes):
            raise violation(f"{event} is not permitted in the sandbox")
        if event == "import":
            name = args[0] if args else ""
            if isinstance(name, str) and name.partition(".")[0] in denied_imports:
                raise violation(f"importing {name} is not permitted in the sandbox")
            return
        if event == "open":
            path = resolve(args[0])
            if path is None:
                return
            mode = args[1] if len(args) > 1 else "r"
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & write_flags)
            roots = writable if writing else readable
            if not under(path, roots):
                verb = "writing" if writing else "reading"
                raise violation(f"{verb} {path} is not permitted in the sandbox")
            return
        if event in path_write:
            for arg in args[:2]:
                if isinstance(arg, path_types):
                    path = resolve(arg)
                    if path is not None and not under(path, writable):
                        raise violation(f"{event} on {path} is not permitted in the sandbox")
            return
        if event in path_read and args:
            path = resolve(args[0]) if args[0] is not None else "/tmp"
            if path is not None and not under(path, readable):
                raise violation(f"{event} on {path} is not permitted in the sandbox")

    return hook


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


class Encoder:
    """Turns a result into JSON-ready values within a byte budget.

    The budget is checked while converting, so a huge result costs at most about
    `max_bytes` of work before ResultTooLarge is raised.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.spent = 0

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
        if isinstance(value, numpy.generic):
            return self.numpy_scalar(value)
        if isinstance(value, (pandas.Timestamp, datetime.datetime, datetime.date, datetime.time)):
            if value is pandas.NaT:
                self.charge(5)
                return None
            text = value.isoformat()
            self.charge(len(text) + 3)
            return text
        if value is pandas.NaT or value is pandas.NA:
            self.charge(5)
            return None
        if isinstance(value, pandas.DataFrame):
            return self.frame(value, depth)
        if isinstance(value, pandas.Series):
            return self.series(value, depth)
        if isinstance(value, numpy.ndarray):
            self.charge_elements(value.size)
            return self.encode(value.tolist(), depth + 1)
        if isinstance(value, pandas.Index):
            self.charge_elements(len(value))
            return [self.encode(v, depth + 1) for v in value.tolist()]
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
        if isinstance(value, numpy.datetime64):
            if numpy.isnat(value):
                self.charge(5)
                return None
            return self.encode(pandas.Timestamp(value))
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
    if mode == "strategy":
        finlab.data._configure(data_dir if isinstance(data_dir, str) else "/data")

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
        return True, strategy(finlab.data), None
    except SystemExit as exc:
        # A deliberate clean exit (exit(), sys.exit(0)) ends the program normally.
        if exc.code in (None, 0) and mode == "execute":
            return True, module.__dict__.get("signal"), None
        return False, None, error_info(exc)
    except BaseException as exc:  # noqa: BLE001 - every user failure becomes a result
        return False, None, error_info(exc)


def build_frame(nonce, ok, signal, error, max_bytes):
    """Encode the outcome as the one-line result frame."""
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
    body = (
        '{"ok":' + _dumps(ok) + ',"signal":' + signal_text + ',"error":' + _dumps(error)
        + ',"result_truncated":' + _dumps(result_truncated) + "}"
    )
    return FRAME_TAG + nonce.encode("ascii") + b" " + body.encode("ascii") + b"\n"


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def flush_user_streams(streams):
    for stream in streams:
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - user may have closed or replaced it
            pass


def read_request():
    data = sys.stdin.buffer.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        raise ValueError("request too large")
    request = json.loads(data.decode("utf-8"))
    if not isinstance(request, dict):
        raise ValueError("request must be a JSON object")
    return request


def main():
    original_streams = (sys.stdout, sys.stderr)
    devnull = open(os.devnull)
    for name in [m for m in sys.modules if m.partition(".")[0] in DENIED_IMPORTS]:
        del sys.modules[name]
    install_seccomp()
    sys.addaudithook(_make_audit_hook())
    try:
        write_all(_RESULT_FD, b"\x1eSTOCKADE-READY\n")
    except OSError:
        pass  # The runner then waits for the result without it.

    try:
        request = read_request()
    except (ValueError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"stockade harness: invalid request: {exc}\n")
        sys.stderr.flush()
        os._exit(2)

    nonce = request.get("nonce")
    if not isinstance(nonce, str) or not NONCE_RE.match(nonce):
        sys.stderr.write("stockade harness: invalid request: nonce must be 32 lowercase hex digits\n")
        sys.stderr.flush()
        os._exit(2)
    max_bytes = request.get("max_result_bytes", DEFAULT_MAX_RESULT_BYTES)
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        max_bytes = DEFAULT_MAX_RESULT_BYTES
    del request["nonce"]

    # User code reads an empty stdin, never the request.
    sys.stdin = devnull
    sys.argv = [USER_FILENAME]

    ok, signal, error = run_code(request)
    try:
        frame = build_frame(nonce, ok, signal, error, max_bytes)
    except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while encoding
        frame = build_frame(nonce, False, None, simple_error("ResultEncodingError", _clip(repr(exc), MAX_MESSAGE_CHARS)), max_bytes)

    flush_user_streams((sys.stdout, sys.stderr) + original_streams)
    try:
        write_all(_END_FD, b"\n\x1eSTOCKADE-END " + nonce.encode("ascii") + b"\n")
    except OSError:
        pass  # The runner then waits for the exit instead.
    try:
        write_all(_RESULT_FD, frame)
    except OSError:
        # The private fd was closed by user code; the runner reports a missing frame.
        os._exit(3)
    # Skip atexit handlers and thread joins that user code may have registered.
    os._exit(0)


if __name__ == "__main__":
    main()
