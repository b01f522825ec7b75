"""The spec's ``docker_config`` module: code written against it changes only its import
prefix (``from stockade.docker_config import DockerConfig``)."""

from ._config import DockerConfig

__all__ = ["DockerConfig"]
