"""The spec's ``runtime_monitor`` module: its ``SecurityPolicy``, which
:class:`~stockade.DockerConfig` takes as ``security_policy=``.

There is no ``RuntimeMonitor`` to start: the runner monitors every execution itself, from
the container's creation to its removal, whichever way it was started (this package, the
CLI, the HTTP API, a queue worker).
"""

from ._config import SecurityPolicy

__all__ = ["SecurityPolicy"]
