"""Name normalisation: spelling variants fold to one key (search and duplicate matching)."""

from __future__ import annotations

import pytest

from spm_desktop.core.domain.names import name_similarity, names_similar, normalise_name, search_key

SAME = [
    ("Muhammad Rizki", "Muhamad Rizki", "Mohammad Rizki", "Mohamad Rizki", "Muhammat Rizky", "Moh. Rizki",
     "M. Rizki", "Mochammad Rizki", "MUHAMMAD RIZKI"),
    ("Nur Hayati", "Noor Hayati", "Nor Hayati", "Hj. Nur Hayati", "Nur Hayati, S.Pd", "Ibu Nur Hayati"),
    ("Sukarno", "Soekarno", "Drs. Soekarno", "Bpk Sukarno"),
    ("Joko Cahyono", "Djoko Tjahjono", "Djoko Cahyono"),
    ("Yusuf", "Jusuf", "H. Yusuf", "Yusuff"),
    ("Ahmad Syahrir", "Achmad Sjahrir", "Akhmad Syahrir", "Ahmad Syahrir, S.H."),
    ("Ramadan", "Ramadhan"),
    ("José", "Jose", "JOSÉ"),
    ("Budi  Santoso", " budi santoso ", "Budi.Santoso"),
]


@pytest.mark.parametrize("group", SAME, ids=[g[0] for g in SAME])
def test_spelling_variants_fold_to_one_key(group):
    keys = {normalise_name(n) for n in group}
    assert len(keys) == 1, keys


def test_titles_removed_but_never_the_whole_name():
    assert normalise_name("Ibu") == "ibu"
    assert normalise_name("H. Abdul Muis, S.Pd.I") == "abdul muis"
    assert normalise_name("Budi Santoso S.Pd") == "budi santoso"
    assert normalise_name("Ma Long") == "ma long"  # "MA" is only a degree after a comma or with dots


def test_search_key_holds_name_then_alias_without_repeats():
    assert search_key("Muhammad Noor", "Mat Nur") == "muhamad nur mat"
    assert search_key("Siti", "") == "siti"


def test_spacing_variants_are_similar():
    assert names_similar(normalise_name("Nurhayati"), normalise_name("Nur Hayati"))
    assert names_similar(normalise_name("Abdurrahman"), normalise_name("Abdul Rahman"))
    assert name_similarity(normalise_name("Siti Aminah"), normalise_name("Aminah Siti")) == pytest.approx(1.0)


def test_different_names_are_not_similar():
    assert not names_similar(normalise_name("Budi Santoso"), normalise_name("Agus Santoso"))
    assert not names_similar(normalise_name("Siti"), normalise_name("Siti Rahmawati Purba"))
    assert not names_similar("", "budi")
