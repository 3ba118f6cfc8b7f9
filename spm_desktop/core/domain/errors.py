"""The one error family the core raises for anything a person must be told about.

Messages are Indonesian sentences meant for the user; ``field`` names the input that is
wrong so a form can point at it. Raising any of these means nothing was written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class DomainError(Exception):
    """Base class: a refusal with an Indonesian message."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """Invalid input. ``errors`` lists every problem found, the first is ``field``/``message``."""

    def __init__(self, errors: list[FieldError] | str, field: str = "") -> None:
        if isinstance(errors, str):
            errors = [FieldError(field, errors)]
        if not errors:
            raise ValueError("ValidationError needs at least one error")
        self.errors = list(errors)
        first = self.errors[0]
        text = "; ".join(e.message for e in self.errors) if len(self.errors) > 1 else first.message
        super().__init__(text, first.field)


class NotFoundError(DomainError):
    """The record asked for does not exist (or was deleted)."""


class PermissionDenied(DomainError):
    """The acting user's role may not do this."""


class ConflictError(DomainError):
    """The write would break a rule about existing data (duplicate NIK, open case, ...)."""
