"""An in-memory search index of the persons list, so that search as you type over 100,000
persons answers within a keystroke.

:meth:`PersonIndex.load` reads (id, search_name, nik, no_kk, category, kelurahan) of every
listed person once, in the list's name order; :meth:`PersonIndex.match` then applies exactly
the matching rules of :func:`person_search.search_persons` (digits: NIK or No. KK prefix, in
number order; text: every normalised word occurs in name or alias; exact name, then names
starting with the text, then every word starting a name word, then the rest, each group in
name order; a single letter matches names starting with it) without touching
the database, and narrows from the previous answer while the user keeps typing. Not
thread-safe: use one index from one thread (the GUI's single worker). Reload it after
persons changed; rows to show come from :func:`person_rows`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.names import name_tokens
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.person_search import PersonRow, digits_of, live, rows_by_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Person


@dataclass
class PersonIndex:
    ids: list[str]
    names: list[str]
    niks: list[str]
    kks: list[str]
    categories: list[str | None]
    kelurahan: list[str | None]
    _last: tuple[tuple[str, ...], list[int]] | None = field(default=None, repr=False)
    _position: dict[str, int] = field(default_factory=dict, repr=False)
    _nik_keys: list[str] = field(default_factory=list, repr=False)
    _nik_ids: list[str] = field(default_factory=list, repr=False)
    _kk_keys: list[str] = field(default_factory=list, repr=False)
    _kk_ids: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, db: Database, actor: Actor) -> PersonIndex:
        """Read the index (one query, name order). Worker thread."""
        require(actor, "person.view")
        q = (select(Person.id, Person.search_name, Person.nik, Person.no_kk, Person.category_code,
                    Person.kelurahan_code)
             .where(live())
             .order_by(Person.search_name, Person.id))
        with db.reading() as s:
            rows = s.execute(q).all()
        index = cls([r[0] for r in rows], [r[1] or "" for r in rows], [r[2] or "" for r in rows],
                    [r[3] or "" for r in rows], [r[4] for r in rows], [r[5] for r in rows])
        index._sort_numbers()
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, text: str, category_code: str | None = None, kecamatan_code: str | None = None,
              kelurahan_code: str | None = None) -> list[str]:
        """Ids matching ``text`` (and the region/category filters), best matches first."""
        digits = digits_of(text.strip()) if text.strip() else None
        if digits:
            ids = self._digit_ids(digits)
            if not (category_code or kelurahan_code or kecamatan_code):
                return ids
            positions = [self._position[i] for i in ids]
        else:
            positions = self._text_positions(text)
        if category_code:
            positions = [i for i in positions if self.categories[i] == category_code]
        if kelurahan_code:
            positions = [i for i in positions if self.kelurahan[i] == kelurahan_code]
        if kecamatan_code:
            prefix = kecamatan_code + "."
            positions = [i for i in positions if (self.kelurahan[i] or "").startswith(prefix)]
        return [self.ids[i] for i in positions]

    def _text_positions(self, text: str) -> list[int]:
        tokens = tuple(name_tokens(text))
        if not tokens:
            return list(range(len(self.ids)))
        whole = " ".join(tokens)
        if len(whole) == 1:  # one letter: names starting with it (as the database does)
            start = bisect_left(self.names, whole)
            return list(range(start, bisect_left(self.names, whole + "\uffff")))
        pool = self._narrowed_pool(tokens)
        names = self.names
        if len(tokens) == 1:
            t = tokens[0]
            found = [i for i in pool if t in names[i]]
        else:
            found = [i for i in pool if all(t in names[i] for t in tokens)]
        self._last = (tokens, found)
        return _ranked(found, names, tokens)

    def _digit_ids(self, digits: str) -> list[str]:
        """NIK prefix matches in NIK order (an exact NIK comes first), then the other No. KK
        prefix matches in KK order. Slices of presorted lists: no per-person Python work."""
        by_nik = _prefix_slice(self._nik_keys, self._nik_ids, digits)
        by_kk = _prefix_slice(self._kk_keys, self._kk_ids, digits)
        return list(dict.fromkeys(by_nik + by_kk)) if by_kk else by_nik

    def _sort_numbers(self) -> None:
        self._position = {pid: i for i, pid in enumerate(self.ids)}
        for numbers, keys_attr, ids_attr in ((self.niks, "_nik_keys", "_nik_ids"), (self.kks, "_kk_keys", "_kk_ids")):
            order = sorted((i for i, n in enumerate(numbers) if n), key=numbers.__getitem__)
            setattr(self, keys_attr, [numbers[i] for i in order])
            setattr(self, ids_attr, [self.ids[i] for i in order])

    def _narrowed_pool(self, tokens: tuple[str, ...]) -> Sequence[int]:
        """The previous answer when every earlier word is part of the word now typed there."""
        if self._last is not None:
            previous, found = self._last
            if len(tokens) >= len(previous) and all(p in t for p, t in zip(previous, tokens, strict=False)):
                return sorted(found)
        return range(len(self.ids))


def _ranked(found: list[int], names: list[str], tokens: tuple[str, ...]) -> list[int]:
    """``found`` (in name order) regrouped as search_persons ranks: the exact name, names
    starting with the text, every word starting a name word, the rest."""
    whole = " ".join(tokens)
    exact: list[int] = []
    starts: list[int] = []
    words: list[int] = []
    rest: list[int] = []
    for i in found:
        name = names[i]
        if name.startswith(whole):
            (exact if name == whole else starts).append(i)
        elif all(name.startswith(t) or (" " + t) in name for t in tokens):
            words.append(i)
        else:
            rest.append(i)
    return exact + starts + words + rest


def _prefix_slice(keys: list[str], values: list[str], prefix: str) -> list[str]:
    return values[bisect_left(keys, prefix):bisect_left(keys, prefix + "\uffff")]


def person_rows(db: Database, actor: Actor, ids: Sequence[str]) -> list[PersonRow]:
    """The list rows of ``ids`` in that order (ids no longer listed are left out). Read-only."""
    require(actor, "person.view")
    with db.reading() as s:
        return rows_by_id(s, list(ids))
