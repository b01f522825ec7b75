"""`DockerConfig`: the spec's configuration object, checked by the runner's own Rust code."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Union

from . import _native

DEFAULT_IMAGE = "stockade-sandbox:latest"
"""The image ``stockade image build`` makes (the spec's ``python:3.10-slim`` lacks the harness)."""

_GIB = 1024**3
_MIB = 1024**2
_KIB = 1024

_SPEC_FIELDS = (
    "enabled",
    "image",
    "memory_limit",
    "cpu_limit",
    "timeout_seconds",
    "network_mode",
    "read_only",
    "tmpfs_path",
    "tmpfs_size",
    "seccomp_profile",
    "cleanup_on_exit",
    "fallback_to_direct",
)


def _size(n: int) -> str:
    """Bytes in the config's own notation (``2g``, ``512m``), exact or plain bytes."""
    for unit, scale in (("g", _GIB), ("m", _MIB), ("k", _KIB)):
        if n and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def _seconds(duration: Any) -> float:
    # The runner serialises a Duration as {"secs": ..., "nanos": ...}.
    return duration["secs"] + duration["nanos"] / 1e9


@dataclass(frozen=True)
class SecurityPolicy:
    """The runtime monitor's kill policy (the spec's ``SecurityPolicy``), applied by the runner
    to every execution: a container is killed when its CPU stays above ``max_cpu_percent`` of
    its own quota for ``cpu_window_seconds``, its memory above ``max_memory_percent`` of its
    limit for ``memory_window_seconds``, it reaches ``fork_bomb_pids`` processes and threads,
    or CPU and memory both stay above ``combined_percent``. ``max_pids`` caps
    ``fork_bomb_pids``, which is 90 or ``max_pids`` if lower when not given. Give it to :class:`DockerConfig` (``security_policy=``); a
    ``docker_config.yaml`` sets the same under ``monitoring.policy``. The reason of a kill is
    the result's ``killed_reason``.

    >>> SecurityPolicy(max_cpu_percent=90.0).cpu_window_seconds
    15.0
    """

    max_cpu_percent: float = 95.0
    max_memory_percent: float = 95.0
    max_pids: int = 100
    cpu_window_seconds: float = 15.0
    memory_window_seconds: float = 10.0
    fork_bomb_pids: Optional[int] = None
    combined_percent: float = 80.0

    def _file_form(self) -> Dict[str, Any]:
        """The ``monitoring.policy`` section of a configuration file."""
        policy = asdict(self)
        if self.fork_bomb_pids is None:
            policy["fork_bomb_pids"] = min(90, self.max_pids)
        return policy


class DockerConfig:
    """The sandbox configuration, with the spec's fields and defaults.

    Every value is checked by the same Rust code that checks ``config/docker_config.yaml``;
    a bad value raises ``ValueError`` naming the key (``docker.memory_limit: ...``). Settings
    that would weaken the sandbox are refused, not warned about: ``fallback_to_direct=True``
    (Stockade never runs code outside a container), a network mode other than ``none``,
    tmpfs without ``noexec``/``nosuid``.

    A config is immutable; build a new one to change a value.

    >>> DockerConfig(memory_limit="1g", cpu_limit=0.25).memory_limit
    '1g'
    """

    __slots__ = ("_native", "_effective")

    def __init__(
        self,
        enabled: bool = True,
        image: str = DEFAULT_IMAGE,
        memory_limit: Union[str, int] = "2g",
        cpu_limit: float = 0.5,
        timeout_seconds: float = 600,
        network_mode: str = "none",
        read_only: bool = True,
        tmpfs_path: str = "/tmp",
        tmpfs_size: Union[str, int] = "1g",
        seccomp_profile: Union[str, "os.PathLike[str]"] = "config/seccomp_profile.json",
        cleanup_on_exit: bool = True,
        fallback_to_direct: bool = False,
        image_variant: str = "default",
        security_policy: Optional[SecurityPolicy] = None,
    ) -> None:
        docker = {
            "enabled": enabled,
            "image": image,
            # ``"modern"`` runs numpy 2 and pandas 2 (``stockade image build --variant modern``).
            "image_variant": image_variant,
            "memory_limit": memory_limit,
            # Swap stays off: the runner requires memory + swap == memory.
            "memory_swap_limit": memory_limit,
            "cpu_limit": cpu_limit,
            "timeout_seconds": timeout_seconds,
            "network_mode": network_mode,
            "read_only": read_only,
            "tmpfs": {"path": tmpfs_path, "size": tmpfs_size},
            "seccomp_profile": os.fspath(seccomp_profile),
            "cleanup_on_exit": cleanup_on_exit,
            "fallback_to_direct": fallback_to_direct,
            # A config built in code is its own ceiling: a per-call `timeout` may shorten the
            # limit, never lengthen it (the YAML file sets separate ceilings for the server).
            "limits": {
                "max_timeout_seconds": timeout_seconds,
                "max_memory_limit": memory_limit,
                "max_cpu_limit": cpu_limit,
            },
        }
        text: Dict[str, Any] = {"docker": docker}
        if security_policy is not None:
            if not isinstance(security_policy, SecurityPolicy):
                raise TypeError(
                    f"security_policy must be a SecurityPolicy, not {type(security_policy).__name__}"
                )
            text["monitoring"] = {"policy": security_policy._file_form()}
        # The values are given in code, so the environment does not override them.
        self._bind(_native.Config.from_text(json.dumps(text), False))

    def _bind(self, native: Any) -> None:
        object.__setattr__(self, "_native", native)
        object.__setattr__(self, "_effective", json.loads(native.to_json()))

    @classmethod
    def _wrap(cls, native: Any) -> "DockerConfig":
        config = cls.__new__(cls)
        config._bind(native)
        return config

    @classmethod
    def from_yaml(
        cls, path: Union[str, "os.PathLike[str]"] = "config/docker_config.yaml"
    ) -> "DockerConfig":
        """Loads a ``docker_config.yaml`` file: ``${VAR}``/``${VAR:-default}`` substitution,
        then the ``DOCKER_*`` environment overrides, then the checks. Unknown keys are errors."""
        return cls._wrap(_native.Config.load(os.fspath(path)))

    @classmethod
    def from_env(cls) -> "DockerConfig":
        """The spec's defaults with its environment overrides: ``DOCKER_SANDBOX_ENABLED``,
        ``DOCKER_MEMORY_LIMIT``, ``DOCKER_CPU_LIMIT``, ``DOCKER_TIMEOUT``,
        ``DOCKER_NETWORK_MODE``, ``DOCKER_READ_ONLY``."""
        return cls._wrap(_native.Config.from_text("", True))

    @classmethod
    def default(cls) -> "DockerConfig":
        """What ``stockade run`` uses: the file named by ``STOCKADE_CONFIG``, else
        ``config/docker_config.yaml`` in the working directory, else the built-in default
        configuration (with its built-in seccomp profile). ``${VAR}`` substitution and the
        ``DOCKER_*`` overrides apply in every case."""
        return cls._wrap(_native.Config.discover())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"DockerConfig is immutable; build a new one to change {name}")

    # The spec's fields, read back from the checked configuration.

    @property
    def enabled(self) -> bool:
        """Whether executions may run at all (``False`` refuses them: no unsandboxed mode)."""
        return bool(self._effective["enabled"])

    @property
    def image(self) -> str:
        """The sandbox image."""
        return str(self._effective["image"])

    @property
    def image_variant(self) -> str:
        """The image variant executions run on: ``"default"`` (Debian's numpy 1.24 and
        pandas 1.5) or ``"modern"`` (numpy 2, pandas 2, from ``modern_image``)."""
        return str(self._effective["image_variant"])

    @property
    def memory_limit(self) -> str:
        """Memory limit, as a size string (``"2g"``)."""
        return _size(self.memory_bytes)

    @property
    def memory_bytes(self) -> int:
        """Memory limit in bytes (swap is always off)."""
        return int(self._effective["memory_bytes"])

    @property
    def cpu_limit(self) -> float:
        """CPU limit in cores."""
        return float(self._effective["cpu_limit"])

    @property
    def timeout_seconds(self) -> float:
        """Wall-clock limit of one execution, in seconds."""
        return _seconds(self._effective["timeout"])

    @property
    def network_mode(self) -> str:
        """Docker network mode (``none``)."""
        return str(self._effective["network_mode"])

    @property
    def read_only(self) -> bool:
        """Whether the container's root filesystem is read-only."""
        return bool(self._effective["read_only"])

    @property
    def tmpfs_path(self) -> str:
        """The writable tmpfs mount point."""
        return str(self._effective["tmpfs"]["path"])

    @property
    def tmpfs_size(self) -> str:
        """The tmpfs size cap, as a size string."""
        return _size(int(self._effective["tmpfs"]["size_bytes"]))

    @property
    def seccomp_profile(self) -> str:
        """The container's seccomp profile (a JSON file)."""
        return str(self._effective["seccomp_profile"])

    @property
    def cleanup_on_exit(self) -> bool:
        """Whether containers are removed when an execution ends."""
        return bool(self._effective["cleanup_on_exit"])

    @property
    def security_policy(self) -> SecurityPolicy:
        """The runtime monitor's policy in force."""
        p = self._effective["monitoring"]["policy"]
        return SecurityPolicy(
            max_cpu_percent=float(p["max_cpu_percent"]),
            max_memory_percent=float(p["max_memory_percent"]),
            max_pids=int(p["max_pids"]),
            cpu_window_seconds=_seconds(p["cpu_window"]),
            memory_window_seconds=_seconds(p["memory_window"]),
            fork_bomb_pids=int(p["fork_bomb_pids"]),
            combined_percent=float(p["combined_percent"]),
        )

    @property
    def fallback_to_direct(self) -> bool:
        """Always ``False``: Stockade never runs code outside a container."""
        return False

    def to_dict(self) -> Dict[str, Any]:
        """The complete effective configuration (the runner's names, units in the names)."""
        return json.loads(json.dumps(self._effective))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DockerConfig):
            return NotImplemented
        return self._effective == other._effective

    def __hash__(self) -> int:
        return hash(json.dumps(self._effective, sort_keys=True))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SPEC_FIELDS)
        return f"DockerConfig({fields})"


def resolve(config: Optional[DockerConfig]) -> DockerConfig:
    """The given config, or :meth:`DockerConfig.default`."""
    return config if config is not None else DockerConfig.default()
