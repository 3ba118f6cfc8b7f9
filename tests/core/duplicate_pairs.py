"""Labelled person pairs for duplicate detection (issue 20): the same human registered twice, and
two different humans who look alike. Written for this project, realistic for Kalimantan Barat
(Melayu, Dayak, Tionghoa, Madura, Bugis) and migrants from Java, Sumatra, Sulawesi and Bali:
titles and degrees, bin/binti, given-name prefixes left out, old spellings, Chinese word order,
typing slips, estimated birth years, NIKs from the region of origin.

Each pair is two :class:`Rec` records. ``SAME`` pairs are one person as a shelter and a TKSK
would register them (one side often without NIK or exact birth date); ``DIFFERENT`` pairs are
two people the office must keep apart (similar names, namesakes, siblings, fathers and sons).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from spm_desktop.core.domain.nik import make_kk, make_nik

# Pontianak desa/kelurahan (kecamatan in the code)
SELATAN_1, SELATAN_2 = "61.71.01.1002", "61.71.01.1004"
TIMUR_1 = "61.71.02.1001"
BARAT_1, BARAT_2 = "61.71.03.1001", "61.71.03.1003"
UTARA_1 = "61.71.04.1004"
KOTA_1 = "61.71.05.1001"
TENGGARA_1 = "61.71.06.1003"
PLACES = (SELATAN_1, TIMUR_1, BARAT_1, UTARA_1, KOTA_1, TENGGARA_1, SELATAN_2, BARAT_2)
# Regions of origin printed on NIKs: Pontianak, Kubu Raya, Singkawang, Sambas, Surabaya,
# Makassar, Padang, Medan, Bogor, Denpasar, Banda Aceh
ORIGINS = ("617101", "611201", "617201", "610101", "357801", "737101", "137101", "127101", "320101", "517101",
           "117101")


@dataclass(frozen=True)
class Rec:
    name: str
    sex: str
    birth_date: date | None = None
    birth_year: int | None = None  # an estimate, when the date is unknown
    nik: str | None = None
    no_kk: str | None = None
    kelurahan: str | None = None


# (name A, name B, sex): the same person written two ways
SAME_NAMES = [
    ("Hj. Fatimah", "Fatimah binti Umar", "P"),
    ("Siti Nurhaliza", "Nurhaliza", "P"),
    ("Sri Wahyuni", "Wahyuni", "P"),
    ("Andi Baso Amir", "Baso Amir", "L"),
    ("Teuku Iskandar", "T. Iskandar", "L"),
    ("Lim Mei Ling", "Mei Ling Lim", "P"),
    ("I Made Sudarta", "Made Sudarta", "L"),
    ("Muhammad Rizki", "M. Rizky", "L"),
    ("Mohammad Yusuf", "Muhamad Jusuf", "L"),
    ("Nur Hayati", "Nurhayati", "P"),
    ("Djoko Susilo", "Joko Susilo", "L"),
    ("Soekarno", "Sukarno", "L"),
    ("Tjahjo Kumolo", "Cahyo Kumolo", "L"),
    ("Achmad Syafii", "Ahmad Syafi'i", "L"),
    ("Khairul Anwar", "Hairul Anwar", "L"),
    ("Abdul Rahman", "Abdurrahman", "L"),
    ("Drs. H. Abdul Muis, M.Si", "Abdul Muis", "L"),
    ("Ibu Rosnani", "Rosnani", "P"),
    ("Dayang Norhayati", "Dayang Nurhayati", "P"),
    ("Uray Syarif Hamid", "Uray Sjarif Hamid", "L"),
    ("Tan Ah Kiong", "Ah Kiong Tan", "L"),
    ("Bong Siu Fa", "Siu Fa Bong", "P"),
    ("Liu Kim Hong", "Liu Kim Hong", "L"),
    ("Ni Luh Ketut Sari", "Ketut Sari", "P"),
    ("I Wayan Gede Santika", "Wayan Santika", "L"),
    ("Cut Nyak Meutia", "Nyak Meutia", "P"),
    ("Teungku Muhammad Daud", "Muhammad Daud", "L"),
    ("Andi Tenri Ajeng", "Tenri Ajeng", "P"),
    ("Daeng Matteru", "Matteru", "L"),
    ("Raden Ajeng Sumarni", "R. A. Sumarni", "P"),
    ("Siti Aisyah binti Hasan", "Aisyah", "P"),
    ("Muhammad Ali bin Ahmad", "Muhamad Ali", "L"),
    ("Nurul Hidayah", "Nurul Hidayah, S.Pd.", "P"),
    ("Yohanes Wenda", "Johanes Wenda", "L"),
    ("Yulianus Ding", "Julianus Ding", "L"),
    ("Stefanus Sanding", "Stephanus Sanding", "L"),
    ("Maria Goreti Lusia", "Maria Goretti Lusia", "P"),
    ("Antonius Jamli", "Antonius Jamli", "L"),
    ("Bernadeta Meliana", "Bernadetta Meliana", "P"),
    ("Rusdi Effendi", "Rusdi Efendi", "L"),
    ("Ramadhan Saputra", "Ramadan Saputra", "L"),
    ("Syarifah Zubaidah", "Sarifah Zubaidah", "P"),
    ("Syamsul Bahri", "Samsul Bahri", "L"),
    ("Zulkifli Hasan", "Zulkifli Hasan", "L"),
    ("Qomariah", "Komariah", "P"),
    ("Thohir Mahmud", "Tohir Mahmud", "L"),
    ("Dhani Kurniawan", "Dani Kurniawan", "L"),
    ("Ichsan Maulana", "Ihsan Maulana", "L"),
    ("Wahyu Hidayat", "Wahju Hidajat", "L"),
    ("Suyatno", "Soejatno", "L"),
    ("Suparmi", "Soeparmi", "P"),
    ("Sutrisno", "Soetrisno", "L"),
    ("Rukiah", "Rukiyah", "P"),
    ("Nurjannah", "Nur Jannah", "P"),
    ("Sitti Rahmah", "Siti Rahmah", "P"),
    ("Hasanuddin", "Hasanudin", "L"),
    ("Baharuddin Lopa", "Baharudin Lopa", "L"),
    ("Muh. Ilham", "Muhammad Ilham", "L"),
    ("Moch. Arifin", "Mochamad Arifin", "L"),
    ("Budi Santoso", "Boedi Santosa", "L"),
    ("Agus Salim", "Agus Salim, S.H.", "L"),
    ("Bpk. Sahidin", "Sahidin", "L"),
    ("Nenek Imah", "Imah", "P"),
    ("Mbah Karto", "Karto", "L"),
    ("Hajjah Maimunah", "Maimunah", "P"),
    ("Ust. Hamdani", "Hamdani", "L"),
    ("Ahmad Dahlan", "Dahlan Ahmad", "L"),
    ("Rina Marlina", "Rina Marlina Sari", "P"),
    ("Fransiska Ayu", "Fransiska Ayu", "P"),
    ("Mikael Ajong", "Mikhael Ajong", "L"),
    ("Petrus Ngadi", "Petrus Ngadi", "L"),
    ("Paulus Dungun", "Paulus Dungun", "L"),
    ("Susanti", "Susanty", "P"),
    ("Herawati", "Herawaty", "P"),
    ("Yanti Kusuma", "Janti Kusuma", "P"),
    ("Dewi Lestari", "Dewi Lestari", "P"),
    ("Eko Prasetyo", "Eko Prasetio", "L"),
    ("Supriyadi", "Supriadi", "L"),
    ("Heriyanto", "Herianto", "L"),
    ("Kurniawati", "Kurniawaty", "P"),
    ("Chandra Wijaya", "Candra Wijaya", "L"),
    ("Jumiati", "Jumiyati", "P"),
    ("Marsidi", "Marsyidi", "L"),
    ("Alexander Ahok", "Aleksander Ahok", "L"),
    ("Mulyadi", "Muljadi", "L"),
    ("Sri Rejeki", "Rejeki", "P"),
    ("Nur Aini", "Nuraini", "P"),
    ("Siti Fatimah Azzahra", "Fatimah Azzahra", "P"),
    ("Andi Muhammad Yusran", "Muhammad Yusran", "L"),
    ("I Ketut Arsana", "Ketut Arsana", "L"),
    ("Ni Made Ayu Lestari", "Made Ayu Lestari", "P"),
    ("Tengku Zainal", "Zainal", "L"),
    ("Wan Abdullah", "Abdullah", "L"),
    ("Hendra Gunawan", "Hendra Gunawan, S.Kom", "L"),
    ("Roslina", "Rosslina", "P"),
    ("Asmawati", "Asmawaty", "P"),
    ("Sahrul Gunawan", "Syahrul Gunawan", "L"),
    ("Erna Wati", "Ernawati", "P"),
    ("Lie Ping", "Ping Lie", "P"),
    ("Oey Kim Lan", "Kim Lan Oey", "P"),
    ("Nyoman Sudira", "I Nyoman Sudira", "L"),
    ("Rahmat Hidayat", "Rachmat Hidayat", "L"),
    ("Fachrudin", "Fahrudin", "L"),
    ("Dahlia", "Dahliah", "P"),
]

# (name A, name B, sex, kind): two different people
DIFFERENT_NAMES = [
    ("Fauzi", "Fauzan", "L", "name"),
    ("Salim", "Halim", "L", "name"),
    ("Rahman", "Rahim", "L", "name"),
    ("Irwan", "Irawan", "L", "name"),
    ("Hasan", "Husin", "L", "name"),
    ("Ani", "Ana", "P", "name"),
    ("Yanti", "Yati", "P", "name"),
    ("Rudi", "Rudy Hartono", "L", "name"),
    ("Siti Aminah", "Nur Aminah", "P", "name"),
    ("Sri Rahayu", "Dewi Rahayu", "P", "name"),
    ("Fatimah binti Umar", "Fatimah binti Ali", "P", "father"),
    ("Muhammad Ali bin Yusuf", "Muhammad Ali bin Hasan", "L", "father"),
    ("Agus", "Bagus", "L", "name"),
    ("Andi", "Hendi", "L", "name"),
    ("Iwan", "Ivan", "L", "name"),
    ("Dedi", "Deni", "L", "name"),
    ("Tini", "Titin", "P", "name"),
    ("Wati", "Watini", "P", "name"),
    ("Supri", "Suparman", "L", "name"),
    ("Santi", "Sinta", "P", "name"),
    ("Lim Mei Ling", "Lim Mei Hua", "P", "name"),
    ("Tan Ah Kiong", "Tan Ah Seng", "L", "name"),
    ("I Made Sudarta", "I Made Sudirta", "L", "name"),
    ("I Wayan Sukra", "I Ketut Sukra", "L", "sibling"),
    ("Ahmad Fauzi", "Ahmad Fauzan", "L", "name"),
    ("Nur Hidayat", "Nur Hidayah", "L", "name"),
    ("Rahmat", "Rahmad Hidayat", "L", "name"),
    ("Maria", "Mariam", "P", "name"),
    ("Yohanes", "Yohana", "L", "name"),
    ("Joko Widodo", "Joko Wiyono", "L", "name"),
    ("Suparno", "Suparmo", "L", "name"),
    ("Hendra", "Hendro", "L", "name"),
    ("Rina", "Rini", "P", "name"),
    ("Yusuf", "Yusup Effendi", "L", "name"),
    ("Zainab", "Zainal", "P", "name"),
    ("Syamsudin", "Samsidar", "L", "name"),
    ("Budiman", "Budiono", "L", "name"),
    ("Heri", "Hery Susanto", "L", "name"),
    ("Aisyah", "Aisah Putri", "P", "name"),
    ("Lukman", "Luqman Hakim", "L", "name"),
    ("Ridwan", "Rizwan", "L", "name"),
    ("Sarah", "Sarni", "P", "name"),
    ("Junaidi", "Junaedi Saleh", "L", "name"),
    ("Mariana", "Marina", "P", "name"),
    ("Kevin Tan", "Kelvin Tan", "L", "name"),
    ("Yosef Ajang", "Yosua Ajang", "L", "name"),
    ("Dayang Mariam", "Dayang Masitah", "P", "name"),
    ("Ali Akbar", "Ali Asgar", "L", "name"),
]
# Common names held by several people of the city: namesakes told apart by birth, place, KK.
NAMESAKES = [
    ("Muhammad Rizki", "L"), ("Siti Aminah", "P"), ("Budi Santoso", "L"), ("Nur Hayati", "P"),
    ("Ahmad Fauzi", "L"), ("Sri Wahyuni", "P"), ("Agus Salim", "L"), ("Dewi Lestari", "P"),
    ("Rahmat Hidayat", "L"), ("Fatimah", "P"), ("Abdul Rahman", "L"), ("Rosnani", "P"),
    ("Hasanuddin", "L"), ("Maimunah", "P"), ("Yohanes Wenda", "L"), ("Lim Mei Ling", "P"),
    ("Syarifah Zubaidah", "P"), ("Uray Syarif Hamid", "L"), ("Sutrisno", "L"), ("Herawati", "P"),
    ("Eko Prasetyo", "L"), ("Kurniawati", "P"), ("Mulyadi", "L"), ("Susanti", "P"),
    ("Hendra Gunawan", "L"), ("Nurjannah", "P"), ("Zulkifli", "L"), ("Rukiah", "P"),
    ("Supriyadi", "L"), ("Jumiati", "P"), ("Antonius", "L"), ("Maria", "P"),
    ("Heriyanto", "L"), ("Erna Wati", "P"), ("Syamsul Bahri", "L"), ("Nurul Hidayah", "P"),
    ("Wahyu Hidayat", "L"), ("Asmawati", "P"), ("Hamdani", "L"), ("Dahlia", "P"),
]
# Siblings on one family card: same KK and family name, different given names.
SIBLINGS = [
    ("Ahmad Yani", "Ahmad Yanto", "L"), ("Siti Rohani", "Siti Rohana", "P"), ("Budi Hartono", "Budi Harjono", "L"),
    ("Dewi Sartika", "Dewi Sarinah", "P"), ("Lim Ah Huat", "Lim Ah Hock", "L"), ("Nur Aini", "Nur Aina", "P"),
    ("Rudi Hartono", "Rudy Hartanto", "L"), ("Putri Ayu", "Putri Ayuni", "P"), ("Adi Saputra", "Andi Saputra", "L"),
    ("Yuli Astuti", "Yuni Astuti", "P"), ("Hendra Wijaya", "Hendri Wijaya", "L"),
    ("Sri Mulyani", "Sri Muliani Putri", "P"),
]


def _birth(i: int) -> date:
    return date(1940 + (i * 7) % 63, 1 + (i * 5) % 12, 1 + (i * 11) % 28)


def _same_pair(i: int, a_name: str, b_name: str, sex: str) -> tuple[Rec, Rec]:
    """One human registered twice; five realistic ways the two records differ."""
    born = _birth(i)
    place = PLACES[i % len(PLACES)]
    other_place_same_kec = SELATAN_2 if place == SELATAN_1 else (BARAT_2 if place == BARAT_1 else place)
    nik = make_nik(ORIGINS[i % len(ORIGINS)], born, sex, 100 + i)
    kk = make_kk(ORIGINS[i % len(ORIGINS)], date(2010 + i % 12, 1 + i % 12, 1 + i % 28), 200 + i)
    case = i % 5
    if case == 0:  # shelter: NIK and date; TKSK: estimated age, same kelurahan
        return (Rec(a_name, sex, birth_date=born, nik=nik, kelurahan=place),
                Rec(b_name, sex, birth_year=born.year + (1 if i % 2 else -1), kelurahan=place))
    if case == 1:  # both estimated ages, same kecamatan
        return (Rec(a_name, sex, birth_year=born.year, kelurahan=place),
                Rec(b_name, sex, birth_year=born.year + 1, kelurahan=other_place_same_kec))
    if case == 2:  # both exact dates, registered in another kecamatan (found elsewhere)
        return (Rec(a_name, sex, birth_date=born, kelurahan=place),
                Rec(b_name, sex, birth_date=born, kelurahan=PLACES[(i + 3) % len(PLACES)]))
    if case == 3:  # NIK on one side, the same birth date typed on the other, no place known
        return (Rec(a_name, sex, nik=nik, kelurahan=place), Rec(b_name, sex, birth_date=born))
    return (Rec(a_name, sex, no_kk=kk, kelurahan=place),  # only the family card in common
            Rec(b_name, sex, no_kk=kk, birth_year=born.year, kelurahan=place))


def _different_pair(i: int, a_name: str, b_name: str, sex: str) -> tuple[Rec, Rec]:
    """Two people with alike names: same area, birth years close or unknown."""
    born = _birth(i + 300)
    place = PLACES[i % len(PLACES)]
    case = i % 3
    if case == 0:
        return (Rec(a_name, sex, birth_year=born.year, kelurahan=place),
                Rec(b_name, sex, birth_year=born.year + 1, kelurahan=place))
    if case == 1:
        return (Rec(a_name, sex, birth_date=born, kelurahan=place),
                Rec(b_name, sex, birth_date=born.replace(day=min(28, born.day + 3)), kelurahan=place))
    return (Rec(a_name, sex, kelurahan=place), Rec(b_name, sex, kelurahan=place))


def _namesakes(i: int, name: str, sex: str) -> tuple[Rec, Rec]:
    """One name, two people: other birth dates or NIKs, often other kecamatan."""
    born = _birth(i + 500)
    other = born.replace(year=born.year + 1, day=min(28, born.day + 9))
    place, far = PLACES[i % len(PLACES)], PLACES[(i + 1) % len(PLACES)]
    case = i % 4
    if case == 0:  # both with NIKs: different numbers
        return (Rec(name, sex, birth_date=born, nik=make_nik(ORIGINS[i % 11], born, sex, 300 + i), kelurahan=place),
                Rec(name, sex, birth_date=other, nik=make_nik(ORIGINS[(i + 1) % 11], other, sex, 400 + i),
                    kelurahan=place))
    if case == 1:  # exact birth dates differ, same kelurahan
        return (Rec(name, sex, birth_date=born, kelurahan=place), Rec(name, sex, birth_date=other, kelurahan=place))
    if case == 2:  # estimated years, different kecamatan
        return (Rec(name, sex, birth_year=born.year, kelurahan=place),
                Rec(name, sex, birth_year=born.year + 2, kelurahan=far))
    # a NIK whose birth digits disagree with the other record's date, other kecamatan
    return (Rec(name, sex, nik=make_nik(ORIGINS[i % 11], born, sex, 500 + i), kelurahan=place),
            Rec(name, sex, birth_date=other, kelurahan=far))


def _siblings(i: int, a_name: str, b_name: str, sex: str) -> tuple[Rec, Rec]:
    born = _birth(i + 700)
    kk = make_kk("617101", date(2012, 3, 1 + i), 700 + i)
    younger = born.replace(year=born.year + 2) if born.year < 2020 else born
    return (Rec(a_name, sex, birth_date=born, no_kk=kk, kelurahan=SELATAN_1),
            Rec(b_name, sex, birth_date=younger, no_kk=kk, kelurahan=SELATAN_1))


SAME: list[tuple[Rec, Rec]] = [_same_pair(i, a, b, sex) for i, (a, b, sex) in enumerate(SAME_NAMES)]
DIFFERENT: list[tuple[Rec, Rec]] = (
    [_different_pair(i, a, b, sex) for i, (a, b, sex, _kind) in enumerate(DIFFERENT_NAMES)]
    + [_namesakes(i, name, sex) for i, (name, sex) in enumerate(NAMESAKES)]
    + [_siblings(i, a, b, sex) for i, (a, b, sex) in enumerate(SIBLINGS)]
    # fathers and sons of one name: a generation apart
    + [(Rec(n, "L", birth_year=1950 + i, kelurahan=TIMUR_1), Rec(n, "L", birth_year=1978 + i, kelurahan=TIMUR_1))
       for i, n in enumerate(("Abdul Hamid", "Syarif Abdullah", "Tan Kim Seng", "Yakobus Anyeq", "Hasanuddin"))]
)

assert len(SAME) >= 100 and len(DIFFERENT) >= 100, (len(SAME), len(DIFFERENT))
__all__ = ["Rec", "SAME", "DIFFERENT", "replace"]
