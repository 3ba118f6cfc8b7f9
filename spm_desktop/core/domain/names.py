"""Name normalisation for person search and duplicate matching (domain.md §3).

Indonesian names are written many ways: old and new spelling (Soekarno/Sukarno, Djoko/Joko,
Tjahjo/Cahyo), Arabic transliterations (Muhammad/Muhamad/Mohammad/Muhammat, abbreviated
M./Moh./Muh.), Nur/Noor/Nor, doubled letters, honorifics and degrees (H., Hj., Drs.,
S.Pd, Bpk, Ibu). :func:`normalise_name` folds all of these into one canonical lower-case
ASCII form whose tokens are separated by single spaces. ``Person.search_name`` holds the
normalised "name alias" and is what search and duplicate matching compare.

The canonical form is an internal key, not something to show: it folds ``y`` into ``j``
(old spelling Jusuf = Yusuf, Tjahjo = Cahyo) and ``ch``/``kh`` into ``h`` inside words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

# Honorifics written before a name (compared without dots).
PREFIX_TITLES = frozenset({
    "h", "hj", "haji", "hajjah", "hajah", "drs", "dra", "dr", "ir", "prof", "bpk", "bapak", "pak",
    "ibu", "bu", "sdr", "sdri", "sdra", "saudara", "saudari", "nn", "ny", "nyonya", "tn", "tuan",
    "kh", "ust", "ustadz", "ustad", "ustazah", "ustadzah", "alm", "almh", "almarhum", "almarhumah",
    "an", "anak", "kak", "mbah", "nek", "kakek", "nenek", "opa", "oma", "amang", "inang",
})
# Academic degrees (compared without dots); removed only when written with a dot or after a
# comma, because a few of them are also real name parts.
DEGREES = frozenset({
    "spd", "spdi", "sag", "se", "sh", "shi", "skom", "ssos", "sip", "sst", "st", "sked", "ssi",
    "sfarm", "skm", "skep", "sthi", "sei", "sos", "mpd", "mpdi", "msi", "mm", "mh", "mt", "mkes",
    "mag", "msc", "ma", "ba", "bsc", "phd", "amd", "amk", "ama", "amkep", "ns", "apt", "ak", "spog",
    "spa", "sppd", "mba", "llm", "ir", "dr", "drs", "dra", "hons",
})
# Whole tokens that are one name written several ways (after the spelling folds below).
TOKEN_FOLDS = {
    "muhamad": "muhamad", "mohamad": "muhamad", "muhamat": "muhamad", "mohamat": "muhamad",
    "muhamed": "muhamad", "mohamed": "muhamad", "mohamet": "muhamad", "muhamet": "muhamad",
    "mohd": "muhamad", "moh": "muhamad", "muh": "muhamad", "mhd": "muhamad", "md": "muhamad",
    "mochamad": "muhamad", "mukhamad": "muhamad", "mahamad": "muhamad",
    "nor": "nur", "nuur": "nur",
    "ahmat": "ahmad", "akhmad": "ahmad", "achmad": "ahmad", "amad": "ahmad",
}
ABBREVIATED_MUHAMMAD = "m"  # "M. Rizki": a leading single M is Muhammad

# Old (pre-1972) spelling and common transliteration variants, applied in this order.
_SPELLING_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r) for p, r in (
        (r"oe", "u"),          # Soekarno -> Sukarno
        (r"oo", "u"),          # Noor -> Nur
        (r"dj", "j"),          # Djoko -> Joko
        (r"tj", "c"),          # Tjahjo -> Cahjo
        (r"nj", "nj"),         # Njoman = Nyoman after the y fold
        (r"sj", "sj"),         # Sjahrir -> Sjahrir (y folds to j below: Syahrir -> Sjahrir)
        (r"y(?=[aeiou])", "j"),  # Jusuf = Yusuf, Cahyo = Cahjo (old j = new y before a vowel)
        (r"y", "i"),           # Rizky = Rizki
        (r"(?<=\w)ch", "h"),   # Achmad -> Ahmad (inside a word)
        (r"^ch", "c"),         # Chandra -> Candra
        (r"kh", "h"),          # Khairul -> Hairul, Akhmad -> Ahmad
        (r"th", "t"),          # Thohir -> Tohir
        (r"dh", "d"),          # Ramadhan -> Ramadan
        (r"ph", "f"),          # Stephanus -> Stefanus
        (r"q", "k"),           # Qori -> Kori
        (r"(\w)\1+", r"\1"),   # Muhammad -> Muhamad, Alloh -> Aloh
    )
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    """Lower case ASCII-ish text: accents removed (é -> e), other marks kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def fold_token(token: str) -> str:
    """One already lower-case alphanumeric token in canonical spelling."""
    for pattern, repl in _SPELLING_FOLDS:
        token = pattern.sub(repl, token)
    return TOKEN_FOLDS.get(token, token)


def _raw_tokens(text: str) -> list[tuple[str, bool, bool]]:
    """(token without dots, written with a dot, comes after a comma) for each word."""
    out: list[tuple[str, bool, bool]] = []
    after_comma = False
    for part in re.split(r"(,)|\s+", text):
        if not part:
            continue
        if part == ",":
            after_comma = True
            continue
        bare = _NON_ALNUM.sub("", part)
        if "." in part and bare in DEGREES:  # "S.Pd.I" is one degree, not three initials
            out.append((bare, True, after_comma))
            continue
        for piece in re.split(r"(?<=\.)", part):  # "H.Abdul" -> "H.", "Abdul"
            bare = _NON_ALNUM.sub("", piece)
            if bare:
                out.append((bare, "." in piece, after_comma))
    return out


def _drop_titles(tokens: list[tuple[str, bool, bool]]) -> list[tuple[str, bool]]:
    """Remove leading honorifics and trailing degrees; never remove every token."""
    kept = [(t, dotted) for t, dotted, after_comma in tokens
            if not (t in DEGREES and (dotted or after_comma))]
    i = 0
    while i < len(kept) - 1 and kept[i][0] in PREFIX_TITLES:
        i += 1
    kept = kept[i:]
    if not kept:
        kept = [(t, dotted) for t, dotted, _ in tokens]
    return kept


def name_tokens(text: str | None) -> list[str]:
    """Canonical tokens of a name (titles removed, spelling variants folded)."""
    if not text:
        return []
    return list(_name_tokens(text))


@lru_cache(maxsize=65536)  # names repeat a lot in imports and duplicate scans
def _name_tokens(text: str) -> tuple[str, ...]:
    tokens = _drop_titles(_raw_tokens(strip_accents(text)))
    out: list[str] = []
    for index, (token, dotted) in enumerate(tokens):
        if token == ABBREVIATED_MUHAMMAD and (dotted or (index == 0 and len(tokens) > 1)):
            out.append("muhamad")
            continue
        out.append(fold_token(token))
    return tuple(t for t in out if t)


def normalise_name(text: str | None) -> str:
    """The canonical form of a name: canonical tokens joined by single spaces."""
    return " ".join(name_tokens(text))


def search_key(name: str | None, alias: str | None = "") -> str:
    """The value stored in ``Person.search_name``: normalised name, then alias tokens."""
    tokens = name_tokens(name)
    for token in name_tokens(alias):
        if token not in tokens:
            tokens.append(token)
    return " ".join(tokens)


def compact(normalised: str) -> str:
    """Spacing variants (Nurhayati / Nur Hayati) compare equal without spaces."""
    return normalised.replace(" ", "")


SIMILAR_NAME_THRESHOLD = 0.85


def _ratio_at_least(a: str, b: str, threshold: float) -> float:
    """SequenceMatcher ratio of ``a`` and ``b`` when it reaches ``threshold``, else 0.0
    (the cheap upper bounds reject most pairs before the real comparison)."""
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < threshold:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= threshold else 0.0


def similarity_at_least(a: str, b: str, threshold: float = SIMILAR_NAME_THRESHOLD) -> float:
    """Similarity 0..1 of two *normalised* names when it reaches ``threshold``, else 0.0.

    Robust to spacing (compared without spaces) and word order (also compared with the
    words sorted)."""
    if not a or not b:
        return 0.0
    ca, cb = compact(a), compact(b)
    if ca == cb:
        return 1.0
    direct = _ratio_at_least(ca, cb, threshold)
    sa, sb = "".join(sorted(a.split())), "".join(sorted(b.split()))
    ordered = _ratio_at_least(sa, sb, threshold) if (sa, sb) != (ca, cb) else 0.0
    return max(direct, ordered)


def name_similarity(a: str, b: str) -> float:
    """Similarity 0..1 of two *normalised* names, robust to spacing and word order."""
    return similarity_at_least(a, b, 0.0)


def names_similar(a: str, b: str, threshold: float = SIMILAR_NAME_THRESHOLD) -> bool:
    """True when two normalised names are close enough to suggest the same person."""
    return similarity_at_least(a, b, threshold) > 0.0


# ----- name variants for duplicate matching (issue 20) -------------------------------------

# Further folds for matching only (``search_name`` keeps the folds above, so stored keys stay
# valid): Supriyadi = Supriadi, Rukiyah = Rukiah; Syahrul = Sahrul, Marsyidi = Marsidi.
_MATCH_FOLDS = ((re.compile(r"(?<=i)j(?=[aeiou])"), ""), (re.compile(r"sj"), "s"))


def _match_fold(token: str) -> str:
    for pattern, repl in _MATCH_FOLDS:
        token = pattern.sub(repl, token)
    return token

# "Fatimah binti Umar": what follows is the father's name, not the person's own.
PATRONYMIC_MARKERS = frozenset({"bin", "binti", "bte", "bt", "binte", "bint", "ibn", "ibnu"})
# Given-name prefixes that people often leave out ("Siti Nurhaliza" = "Nurhaliza").
DROPPABLE_PREFIXES = frozenset({"siti", "sri", "nur", "andi", "teuku", "cut", "muhamad", "i", "ni", "raden",
                                "ade", "daeng", "puang", "tengku", "teungku", "wan", "abang", "encik",
                                "sitti"})
# Balinese birth-order names, dropped together with I/Ni ("I Made Sudarta" = "Made Sudarta" = "Sudarta").
BALINESE_ORDER = frozenset({"wajan", "wayan", "made", "nioman", "njoman", "nyoman", "ketut", "putu", "kadek",
                            "komang", "gede", "luh", "nengah", "gusti", "ngurah", "ajik", "ida", "bagus",
                            "ajoe", "aju", "ayu", "dewa", "desak"})
ABBREVIATED_PREFIXES = {"t": "teuku", "a": "andi", "r": "raden", "st": "siti"}


@dataclass(frozen=True)
class NameForm:
    """A person's name as duplicate matching sees it.

    ``tokens``: the canonical tokens without the patronymic; ``patronymic``: the father's name
    after bin/binti (empty when none); ``cores``: the token tuples left after dropping leading
    given-name prefixes one at a time (the first is ``tokens`` itself)."""

    tokens: tuple[str, ...]
    patronymic: tuple[str, ...]
    cores: tuple[tuple[str, ...], ...]
    search_cores: tuple[tuple[str, ...], ...]  # the cores in ``search_name`` spelling (for keys)

    def keys(self) -> frozenset[str]:
        """Blocking keys: the first three letters of every token and of every core written
        without spaces (Nur Hayati / Nurhayati share "nur"; Siti Nurhaliza / Nurhaliza "nur").
        Two names :func:`match_names` finds similar share a key unless a spelling variant
        changes all their first letters."""
        out = {t[:3] for core in self.search_cores for t in core}
        out |= {"".join(core)[:3] for core in self.search_cores}
        return frozenset(k for k in out if len(k) == 3)  # "i", "ni" would match half the city


@lru_cache(maxsize=65536)
def name_form(text: str | None) -> NameForm:
    raw = _drop_titles(_raw_tokens(strip_accents(text or "")))
    tokens: list[str] = []
    for index, (token, dotted) in enumerate(raw):
        if token == ABBREVIATED_MUHAMMAD and (dotted or (index == 0 and len(raw) > 1)):
            tokens.append("muhamad")
        elif dotted and index == 0 and token in ABBREVIATED_PREFIXES and len(raw) > 1:
            tokens.append(ABBREVIATED_PREFIXES[token])
        else:
            tokens.append(fold_token(token))
    tokens = [t for t in tokens if t]
    patronymic: list[str] = []
    for i, t in enumerate(tokens):
        if t in PATRONYMIC_MARKERS and 0 < i < len(tokens) - 1:
            tokens, patronymic = tokens[:i], tokens[i + 1:]
            break
    cores = [tuple(tokens)]
    rest = list(tokens)
    while len(rest) > 1 and rest[0] in DROPPABLE_PREFIXES:
        rest = rest[1:]
        cores.append(tuple(rest))
    while len(rest) > 1 and rest[0] in BALINESE_ORDER:
        rest = rest[1:]
        cores.append(tuple(rest))

    def matching(core: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_match_fold(t) for t in core)

    return NameForm(matching(tuple(tokens)), matching(tuple(patronymic)), tuple(matching(c) for c in cores),
                    tuple(cores))


SHORT_NAME = 7  # compact length up to which a name must match more closely (Irwan ≠ Irawan)
SHORT_NAME_THRESHOLD = 0.92


def _short_variant(x: str, y: str) -> bool:
    """Two short name words that are the same name: equal, equal without their h
    (Dahlia/Dahliah), a Javanese final a/o (Santoso/Santosa) or a final t/d (Rahmat/Rahmad)."""
    if x.replace("h", "") == y.replace("h", ""):
        return True
    return len(x) > 3 and x[:-1] == y[:-1] and {x[-1], y[-1]} in ({"a", "o"}, {"t", "d"})


def _token_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    sa, sb = " ".join(a), " ".join(b)
    if compact(sa) == compact(sb):
        return 1.0
    only_a = [t for t in a if t not in b]
    only_b = [t for t in b if t not in a]
    if len(only_a) == 1 and len(only_b) == 1 and min(len(only_a[0]), len(only_b[0])) <= SHORT_NAME:
        # One short word apart: another given name (Fauzi/Fauzan, Hidayat/Hidayah, Adi/Andi)
        return 1.0 if _short_variant(only_a[0], only_b[0]) else 0.0
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= 2 and not only_a or not only_b and len(shorter) >= 2:
        if _in_order(shorter, longer):
            return 0.9  # a name written without its last part: Rina Marlina / Rina Marlina Sari
    sim = similarity_at_least(sa, sb)
    if 0 < sim < 1 and min(len(compact(sa)), len(compact(sb))) <= SHORT_NAME and sim < SHORT_NAME_THRESHOLD:
        return 0.0  # one letter apart in a short name: Fauzi/Fauzan, Salim/Halim, Irwan/Irawan
    return sim


def _in_order(shorter: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    it = iter(longer)
    return all(any(t == u for u in it) for t in shorter)


@dataclass(frozen=True)
class NameMatch:
    similarity: float  # 0..1 (0: not similar)
    dropped_prefix: bool  # matched only after leaving out a given-name prefix
    other_father: bool  # both names give a father (bin/binti) and the fathers differ


def match_names(a: NameForm, b: NameForm) -> NameMatch:
    """How alike two names are: the full names, or one name against the other without its
    given-name prefixes (never both stripped of different prefixes: Siti Aminah ≠ Nur Aminah)."""
    best, dropped = _token_similarity(a.tokens, b.tokens), False
    if best < 1:
        for core in a.cores[1:]:
            sim = _token_similarity(core, b.tokens)
            if sim > best:
                best, dropped = sim, True
        for core in b.cores[1:]:
            sim = _token_similarity(a.tokens, core)
            if sim > best:
                best, dropped = sim, True
    father = bool(a.patronymic and b.patronymic) and not similarity_at_least(" ".join(a.patronymic),
                                                                             " ".join(b.patronymic))
    return NameMatch(best, dropped and best > 0, father)

