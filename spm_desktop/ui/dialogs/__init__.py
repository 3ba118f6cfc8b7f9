"""Dialogs. Each returns its value through a classmethod ``ask(parent, ...)`` (tests patch it)."""
