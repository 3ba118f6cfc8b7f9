"""Characters no name or text field may hold.

Control characters (NUL, escape sequences, …) break files, terminals and other programs that
read the data; the Unicode bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069, and the invisible direction marks) make a name display differently from what
is stored ("Trojan Source"), which hides who a record is about. New and changed values are
refused (:func:`text_problem`); ``spm-desktop check`` lists values stored before the rule.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
MULTILINE_ALLOWED = frozenset("\n\t")


def bad_characters(text: str | None, multiline: bool = False) -> list[str]:
    """The forbidden characters of ``text`` in order of first appearance, as code points such as ``U+202E``."""
    found: list[str] = []
    for ch in text or "":
        if multiline and ch in MULTILINE_ALLOWED:
            continue
        if ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
    return found


def text_problem(text: str | None, label: str, multiline: bool = False) -> str | None:
    """An Indonesian message when ``text`` holds a control or direction-override character."""
    found = bad_characters(text, multiline)
    if not found:
        return None
    return (f"{label} berisi karakter kendali atau pembalik arah tulisan yang tidak boleh disimpan "
            f"({', '.join(found[:3])}); ketik ulang tanpa karakter itu.")
