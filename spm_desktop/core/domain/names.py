"""Name normalisation for search and duplicate matching.

Indonesian names are spelt many ways (Muhammad/Muhamad/Mohammad, Nur/Noor, old spelling
oe/dj/tj), carry titles (H., Hj., Drs., S.Pd.) and doubled letters. ``normalize_name`` folds
all that to one key; ``search_key`` is what ``Person.search_name`` holds.
"""

from __future__ import annotations

import re
import unicodedata

TITLES = {
    "h", "hj", "haji", "hajjah", "dr", "drs", "dra", "ir", "prof", "sh", "se", "spd", "spdi", "sag", "skom",
    "st", "ssos", "amd", "mm", "msi", "mpd", "bpk", "bapak", "pak", "ibu", "bu", "sdr", "sdri", "tn", "ny",
    "nn", "almarhum", "alm", "almh",
}
# Whole-word variants folded to one spelling.
WORD_VARIANTS = {
    "muhamad": "muhammad", "mohammad": "muhammad", "mohamad": "muhammad", "muhammat": "muhammad",
    "muhamat": "muhammad", "mohamed": "muhammad", "muhamed": "muhammad", "moh": "muhammad",
    "muh": "muhammad", "mhd": "muhammad", "md": "muhammad", "m": "muhammad", "mochamad": "muhammad",
    "mochammad": "muhammad", "mukhammad": "muhammad",
    "noor": "nur", "nurul": "nurul", "abd": "abdul", "abdol": "abdul",
    "achmad": "ahmad", "akhmad": "ahmad", "ahmat": "ahmad",
}
# Old spelling (EYD before 1972) and common sound-alikes, applied inside words.
SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("ch", "kh"), ("ph", "f"), ("dh", "d"),
            ("th", "t"), ("y", "i"))


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_word(word: str) -> str:
    word = WORD_VARIANTS.get(word, word)
    for old, new in SPELLING:
        word = word.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", word)  # doubled letters: "Muhammad" ~ "Muhamad"


def name_words(text: str) -> list[str]:
    """Lower-case words of a name without accents, punctuation or titles."""
    text = strip_accents(text or "").lower()
    text = re.sub(r"[.,']", " ", text.replace("s.pd", "spd").replace("s.sos", "ssos"))
    words = re.findall(r"[a-z0-9]+", text)
    return [w for w in words if w not in TITLES]


def normalize_name(text: str) -> str:
    """One key for all spellings of a name: 'H. Mohammad Noor' -> 'muhamad nur'."""
    return " ".join(_fold_word(w) for w in name_words(text))


def search_key(name: str, alias: str = "") -> str:
    """What ``Person.search_name`` holds: the normalised name, then the alias."""
    key = normalize_name(name)
    alias_key = normalize_name(alias)
    return f"{key} {alias_key}".strip() if alias_key else key
