"""The rights line: a multilingual phone line for immigrant survivors of domestic violence."""

from .app import create_app

__all__ = ["create_app"]
