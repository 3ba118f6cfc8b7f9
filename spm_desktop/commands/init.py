"""``spm-desktop init --admin USER --password-file F --wilayah KODE [--office-name TEXT]
[--signatory-name N --signatory-nip NIP]``: first run without the GUI. ``--wilayah`` (the
kabupaten/kota the office serves) is required: without it the command is a usage error
(exit 2) that says how to find the code."""

from __future__ import annotations

from spm_desktop.commands import read_secret_file


def register(sub) -> None:
    p = sub.add_parser("init", help="siapkan basis data dan akun administrator pertama (tanpa GUI)")
    p.add_argument("--admin", required=True, help="nama pengguna administrator")
    p.add_argument("--password-file", required=True, help="berkas berisi kata sandi (baris pertama)")
    p.add_argument("--full-name", default="Administrator", help="nama lengkap administrator")
    p.add_argument("--nip", default="", help="NIP administrator")
    p.add_argument("--device-name", default=None, help='nama komputer ini, mis. "TKSK Pontianak Barat"')
    p.add_argument("--signatory-name", default=None,
                   help="nama Kepala Dinas yang menandatangani rekap (\"Mengetahui\"); wajib sebelum ekspor")
    p.add_argument("--signatory-nip", default=None, help="NIP Kepala Dinas penanda tangan; wajib sebelum ekspor")
    p.add_argument("--wilayah", default=None, metavar="KODE",
                   help="kode kabupaten/kota wilayah kerja kantor (Kepmendagri), mis. 61.12 untuk Kabupaten Kubu "
                        "Raya; cari dengan: spm-desktop wilayah --cari NAMA")
    p.add_argument("--office-name", default="", help='nama kantor, mis. "Dinas Sosial Kabupaten Kubu Raya"')
    p.add_argument("--office-address", default="", help="alamat kantor (kop surat)")
    p.set_defaults(func=run)


MISSING_AREA = ("spm-desktop init: --wilayah KODE wajib diisi: kode kabupaten/kota Kepmendagri wilayah kerja "
                "kantor, mis. --wilayah 61.71 (Kota Pontianak) atau --wilayah 61.12 (Kabupaten Kubu Raya).\n"
                "Cari kodenya dengan: spm-desktop wilayah --cari NAMA (mis. spm-desktop wilayah --cari \"kubu raya\").")


def run(args, ctx) -> int:
    import sys
    from pathlib import Path

    from spm_desktop.commands import print_recovery_key
    from spm_desktop.core.security.users import check_first_admin, create_first_admin
    from spm_desktop.core.security.vault import initialize
    from spm_desktop.core.services.area import AreaChoice, adopt_area, find_area
    from spm_desktop.core.services.settings import update_settings
    from spm_desktop.core.storage.engine import sqlite_file_of
    from spm_desktop.core.storage.open import rename_device

    if not args.wilayah:
        print(MISSING_AREA, file=sys.stderr)
        return 2
    area = find_area(args.wilayah)  # an unknown code refuses before anything is written
    password = read_secret_file(args.password_file, "password")
    recovery = None
    db_file = sqlite_file_of(ctx.database_url)
    if db_file is not None:
        # SQLite: the database key, the recovery key and spm.keys first (core/security/vault);
        # the password is checked by the rules before anything is written.
        check_first_admin(args.admin, args.full_name, password)
        _key, recovery = initialize(Path(db_file), args.admin.strip().lower(), password)
    db = ctx.database()
    user = create_first_admin(db, args.admin, args.full_name, password, nip=args.nip)
    admin = user.actor()  # the area and the signatory are set by the administrator just created
    adopt_area(db, admin, AreaChoice(area.code, office_name=args.office_name, office_address=args.office_address))
    signatory = {key: value for key, value in (("signatory.name", args.signatory_name),
                                               ("signatory.nip", args.signatory_nip)) if value is not None}
    if signatory:
        update_settings(db, admin, signatory)
    if args.device_name:
        rename_device(db, args.device_name)
    print(f"Basis data siap di {ctx.data_dir}. Administrator '{user.username}' dibuat. Wilayah kerja: "
          f"{area.name} ({area.code}), {area.province_name}.")
    if recovery:
        print("Basis data dienkripsi (SQLCipher).")
        print_recovery_key(recovery)
    return 0
