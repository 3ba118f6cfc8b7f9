"""The detail fields of a service type (``detail_fields`` in resources/service_types.json and
the ``service_type`` table): one typed description that the event service, the file import,
sync validation and the Catat Layanan form all read.

A field has a ``key``, a ``label`` and a kind — ``int`` (with ``min`` and ``default``),
``choice`` (one of ``choices``), ``multi`` (several of ``choices``, also written ``a; b``),
``date`` (``YYYY-MM-DD``) or ``text`` — and may be ``required``. Adding a field to a type
means adding it to the catalogue and a migration that updates the stored row
(docs/architecture.md §2); nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

KINDS = ("int", "choice", "multi", "date", "text")


@dataclass(frozen=True)
class DetailField:
    key: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: int | None = None
    required: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not None


def detail_field(spec: Mapping[str, Any]) -> DetailField:
    """A field from its stored form (a dict of the catalogue's JSON)."""
    kind = str(spec.get("type", "text"))
    return DetailField(key=str(spec["key"]), label=str(spec.get("label") or spec["key"]),
                       kind=kind if kind in KINDS else "text",
                       choices=tuple(str(c) for c in spec.get("choices", ())), default=spec.get("default"),
                       minimum=int(spec["min"]) if spec.get("min") is not None else None,
                       required=bool(spec.get("required")))


def detail_fields(specs: Iterable[Mapping[str, Any]] | None) -> tuple[DetailField, ...]:
    return tuple(detail_field(s) for s in (specs or ()))


class DetailProblem(ValueError):
    """A value a field refuses; ``str()`` is the Indonesian sentence."""


def _int_value(f: DetailField, value: Any) -> int:
    try:
        number = None if isinstance(value, bool) else int(str(value).strip())
    except ValueError:
        number = None
    if number is None:
        raise DetailProblem(f"{f.label} harus bilangan bulat.")
    if f.minimum is not None and number < f.minimum:
        raise DetailProblem(f"{f.label} paling sedikit {f.minimum}.")
    return number


def _choice(f: DetailField, item: Any) -> str | None:
    text = str(item).strip().lower()
    return next((c for c in f.choices if c.lower() == text), None)


def _choice_value(f: DetailField, value: Any) -> str:
    match = _choice(f, value)
    if match is None:
        raise DetailProblem(f"{f.label} '{str(value).strip()}' tidak dikenal; pilih salah satu: "
                            f"{', '.join(f.choices)}.")
    return match


def _multi_value(f: DetailField, value: Any) -> list[str]:
    items = [v.strip() for v in value.split(";")] if isinstance(value, str) else list(value)
    chosen: list[str] = []
    unknown = [item for item in items if _choice(f, item) is None]
    if unknown:
        raise DetailProblem("; ".join(f"{f.label}: '{item}' tidak dikenal; pilihan: {', '.join(f.choices)}."
                                      for item in unknown))
    for item in items:
        match = _choice(f, item)
        if match not in chosen:
            chosen.append(match)
    return chosen


def _date_value(f: DetailField, value: Any) -> str:
    try:
        return (value if isinstance(value, date) else date.fromisoformat(str(value).strip())).isoformat()
    except ValueError:
        raise DetailProblem(f"{f.label} harus tanggal (YYYY-MM-DD).") from None


def _text_value(_f: DetailField, value: Any) -> str:
    return str(value).strip()


PARSERS: dict[str, Callable[[DetailField, Any], Any]] = {
    "int": _int_value, "choice": _choice_value, "multi": _multi_value, "date": _date_value, "text": _text_value,
}


def is_empty(value: Any) -> bool:
    return value in (None, "", [])


def parse_value(f: DetailField, value: Any) -> Any:
    """The stored form of a value given for ``f`` (raises :class:`DetailProblem`)."""
    return PARSERS[f.kind](f, value)
