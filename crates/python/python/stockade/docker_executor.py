"""The spec's ``docker_executor`` module: code written against it changes only its import
prefix (``from stockade.docker_executor import DockerExecutor``)."""

from ._executor import DockerExecutor

__all__ = ["DockerExecutor"]
