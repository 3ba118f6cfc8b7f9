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


# ----- duplicate matching (issue 20) -------------------------------------------------------

from spm_desktop.core.domain.names import match_names, name_form  # noqa: E402

SAME_PERSON = [
    ("Hj. Fatimah", "Fatimah binti Umar"),
    ("Siti Nurhaliza", "Nurhaliza"),
    ("Sri Wahyuni", "Wahyuni"),
    ("Andi Baso Amir", "Baso Amir"),
    ("Teuku Iskandar", "T. Iskandar"),
    ("Lim Mei Ling", "Mei Ling Lim"),
    ("I Made Sudarta", "Made Sudarta"),
    ("Ni Luh Ketut Sari", "Ketut Sari"),
    ("Supriyadi", "Supriadi"),
    ("Syamsul Bahri", "Samsul Bahri"),
    ("Budi Santoso", "Budi Santosa"),
    ("Rahmat Hidayat", "Rahmad Hidayat"),
]
OTHER_PERSON = [
    ("Fauzi", "Fauzan"), ("Salim", "Halim"), ("Rahman", "Rahim"), ("Irwan", "Irawan"),
    ("Siti Aminah", "Nur Aminah"), ("Ahmad Fauzi", "Ahmad Fauzan"), ("Nur Hidayat", "Nur Hidayah"),
]


@pytest.mark.parametrize("a, b", SAME_PERSON)
def test_indonesian_name_patterns_match(a, b):
    match = match_names(name_form(a), name_form(b))
    assert match.similarity >= 0.9 and not match.other_father
    assert name_form(a).keys() & name_form(b).keys()  # the candidate search looks in the same block


@pytest.mark.parametrize("a, b", OTHER_PERSON)
def test_one_letter_apart_names_are_other_people(a, b):
    assert match_names(name_form(a), name_form(b)).similarity == 0


def test_patronymic_and_keys():
    form = name_form("Fatimah binti Umar")
    assert (form.tokens, form.patronymic) == (("fatimah",), ("umar",))
    assert match_names(form, name_form("Fatimah binti Ali")).other_father
    assert name_form("I Made Sudarta").keys() == {"sud", "mad", "ima"}  # no one- or two-letter keys
    assert name_form("Syamsul").keys() == {"sja"}  # keys in search_name spelling
