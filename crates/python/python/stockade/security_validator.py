"""The spec's ``security_validator`` module: code written against it changes only its import
prefix (``from stockade.security_validator import SecurityValidator``)."""

from ._validator import SecurityValidator

__all__ = ["SecurityValidator"]
