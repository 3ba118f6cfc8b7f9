"""``spm-desktop wilayah [--cari TEKS]``: the kabupaten/kota codes of the national region list
(to find the code for ``init --wilayah``)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("wilayah", help="cari kode kabupaten/kota Kepmendagri (untuk init --wilayah)")
    p.add_argument("--cari", default="", metavar="TEKS", help="bagian nama atau kode, mis. \"kubu raya\" atau 61")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.services.area import search_areas

    found = search_areas(args.cari)
    if not found:
        print(f"Tidak ada kabupaten/kota yang cocok dengan '{args.cari}'.")
        return 1
    for area in found:
        print(f"{area.code}\t{area.name}\t{area.province_name}")
    return 0
