"""Moved: the declarations live in :mod:`gqlevolve.monitor.declared` (they belong to the framework-neutral core)."""

from gqlevolve.monitor.declared import DeclarationError, Declared, declarations, load_declarations

__all__ = ["Declared", "DeclarationError", "declarations", "load_declarations"]
