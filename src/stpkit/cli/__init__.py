"""The `stp` command: ``app`` parses and calls the library face, ``render`` prints."""

from stpkit.cli.app import app, main

__all__ = ["app", "main"]
