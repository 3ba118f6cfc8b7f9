"""The recap PDF read back with pdftotext: the right numbers in the right rows."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from recap_sample import MEALS, SETTINGS, TENT, sample_result

from spm_desktop.core import clock
from spm_desktop.core.reports.recap_pdf import main_indicators, write_recap_pdf
from spm_desktop.core.reports.signing import Signing

SIGNING = Signing(date(2026, 4, 2), "Siti Aminah, S.Sos", "198501012010012001")

pytestmark = pytest.mark.skipif(subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0,
                                reason="pdftotext (poppler-utils) not installed")


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def line_with(text: str, needle: str) -> str:
    lines = [ln for ln in text.splitlines() if needle in ln]
    assert lines, f"no line with {needle!r}"
    return lines[0]


def numbers(line: str) -> list[str]:
    return re.findall(r"Rp [\d.]+|\d[\d.]*,\d+%?|\d[\d.]*%|–|\b\d[\d.]*\b", line)


@pytest.fixture(scope="module")
def recap_text(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "rekap.pdf"
    write_recap_pdf(sample_result(), SETTINGS, path, SIGNING)
    return path, pdf_text(path)


def test_title_letterhead_and_pages(recap_text):
    path, text = recap_text
    assert "Rekapitulasi Capaian SPM Bidang Sosial — Maret 2026" in text
    assert "DINAS SOSIAL KOTA PONTIANAK" in text
    assert "Jl. Letjen Sutoyo, Pontianak" in text
    pages = re.findall(r"Halaman (\d+) dari (\d+)", text)
    total = pages[0][1]
    assert [p for p, _ in pages] == [str(n) for n in range(1, int(total) + 1)]
    assert all(t == total for _, t in pages)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    embedded = [ln for ln in fonts.splitlines() if "DejaVuSans" in ln]
    assert len(embedded) == 2 and all(ln.split()[-5:-2] == ["yes", "yes", "yes"] for ln in embedded)


def test_group_rows_and_ikk(recap_text):
    _, text = recap_text
    anak = numbers(line_with(text, "Anak Terlantar  "))
    assert anak[-5:] == ["1.234", "870", "70,5%", "77,8%", "72,0"]
    assert "Tuntas Muda" in line_with(text, "Anak Terlantar  ")
    disabilitas = line_with(text, "Penyandang Disabilitas  ")
    assert numbers(disabilitas)[-4:] == ["0", "0", "–", "–"]
    assert "belum diisi" in disabilitas and "belum dinilai" in disabilitas
    ikk1 = numbers(line_with(text, "IKK 1"))
    assert ikk1[-4:] == ["883", "1.250", "70,6%", "100%"]
    assert numbers(line_with(text, "IKK 2"))[-4:] == ["0", "0", "–", "100%"]


def test_indicator_rows(recap_text):
    _, text = recap_text
    assert numbers(line_with(text, MEALS)) == ["1", "1.06.04.2.01.0001", "334", "1.234", "2.000", "61,7%",
                                               "Rp 550.000.000"]
    # empty target: "–" instead of a percentage
    assert numbers(line_with(text, "1.06.04.2.01.0002"))[-3:] == ["0", "–", "Rp 150.000.000"]
    tent = line_with(text, TENT)
    assert "Unit" in tent and numbers(tent)[-5:] == ["7", "12", "100", "12,0%", "Rp 20.000.000"]


def test_kecamatan_chart_warnings_and_signature(recap_text):
    _, text = recap_text
    kec_rows = [ln for ln in text.splitlines() if MEALS in ln]
    assert numbers(kec_rows[1])[-3:] == ["1.000", "234", "1.234"]
    header = line_with(text, "Subkegiatan    ")
    assert header.count("Pontianak") == 2 and "Jumlah" in header
    assert "E. Tren capaian kumulatif" in text
    # the chart's key: code and full name with its program, never cut
    key = line_with(text, "Penyediaan Permakanan (Rehabilitasi sosial dasar di luar panti)")
    assert MEALS in key
    assert "Target proporsional bulan" in text
    assert "Ada 3 pasangan kemungkinan data ganda yang belum ditinjau" in text
    assert "Pontianak, 2 April 2026" in text
    assert "Mengetahui," in line_with(text, "Yang membuat,")
    assert "Kepala Dinas Sosial Kota Pontianak" in text
    names = line_with(text, "Drs. Budi Santoso, M.Si")
    assert "Siti Aminah, S.Sos" in names
    nips = line_with(text, "NIP. 197001011990031001")
    assert "NIP. 198501012010012001" in nips


def test_no_english_and_rule_by_its_indonesian_name(recap_text):
    _, text = recap_text
    for english in ("all_needed", "any_item", "distinct_persons", "sum_quantity", "participants", "None"):
        assert english not in text
    assert "semua kebutuhan dasar hasil asesmen telah terlayani" in text


def test_pages_are_not_near_empty(tmp_path):
    """Every page but the last is at least half used; the last at least a quarter (demo-like data)."""
    from PIL import Image

    result = sample_result(6)
    path = write_recap_pdf(result, SETTINGS, tmp_path / "r.pdf", SIGNING)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    used = []
    for png in pngs:
        img = Image.open(png).convert("L")
        w, h = img.size
        footer = int(h * 0.93)  # the page footer is always there
        rows = [y for y in range(footer) if min(img.getpixel((x, y)) for x in range(0, w, 2)) < 200]
        used.append((max(rows) if rows else 0) / footer)
    assert all(u >= 0.5 for u in used[:-1]) and used[-1] >= 0.25, used


def test_attendance_indicators_are_labelled(tmp_path):
    from dataclasses import replace

    result = sample_result()
    bimbingan = replace(result.indicators[1], code="1.06.04.2.01.0006", name="Pemberian Bimbingan Sosial kepada "
                        "Keluarga dan Masyarakat", counting_rule="participants")
    path = write_recap_pdf(replace(result, indicators=(result.indicators[0], bimbingan, result.indicators[2])),
                           SETTINGS, tmp_path / "r.pdf", SIGNING)
    lines = pdf_text(path).splitlines()
    at = next(n for n, ln in enumerate(lines) if "1.06.04.2.01.0006" in ln)
    assert "orang" in lines[at].split("Masyarakat")[1] and lines[at + 1].strip().startswith("(kehadiran)")


def test_signed_today_by_default_and_main_indicators(tmp_path):
    path = write_recap_pdf(sample_result(), SETTINGS, tmp_path / "r.pdf")
    today = clock.today()
    from spm_desktop.core.reports.formatting import long_date

    text = pdf_text(path)
    assert f"Pontianak, {long_date(today)}" in text
    assert "(.........................................)" in text  # no maker given: a line to sign by hand
    assert [i.code for i in main_indicators(sample_result())] == [MEALS]


def test_logo_from_settings_is_drawn(tmp_path):
    from dataclasses import replace

    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 40), (200, 30, 30)).save(logo)
    path = write_recap_pdf(sample_result(), replace(SETTINGS, office_logo_path=str(logo)), tmp_path / "r.pdf")
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) == 3  # header, rule, one image
    # a missing or broken logo file leaves the space empty instead of failing
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    for bad in (tmp_path / "gone.png", broken):
        out = write_recap_pdf(sample_result(), replace(SETTINGS, office_logo_path=str(bad)), tmp_path / "r2.pdf")
        assert "DINAS SOSIAL KOTA PONTIANAK" in pdf_text(out)


def test_column_headings_shrink_so_no_word_is_split():
    """A long kecamatan name in a narrow breakdown column: the heading's font shrinks until its
    longest word fits between the cell paddings (ReportLab would otherwise break "Ambawang"
    inside the word); a heading that already fits keeps the table's heading style."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics

    from spm_desktop.core.reports.recap_pdf import CELL_PADDING, _head_fitting, _styles

    head = _styles()["head"]
    col = 16 * mm
    fitted = _head_fitting(head, "Sungai Ambawang", col)
    style = fitted.style
    assert style.fontSize < head.fontSize
    assert pdfmetrics.stringWidth("Ambawang", style.fontName, style.fontSize) <= col - 2 * CELL_PADDING + 0.01
    assert _head_fitting(head, "Kubu", col).style is head
