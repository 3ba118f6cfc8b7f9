"""``spm-desktop init --admin USER --password-file F``: first run without the GUI."""

from __future__ import annotations

from spm_desktop.commands import read_secret_file


def register(sub) -> None:
    p = sub.add_parser("init", help="siapkan basis data dan akun administrator pertama (tanpa GUI)")
    p.add_argument("--admin", required=True, help="nama pengguna administrator")
    p.add_argument("--password-file", required=True, help="berkas berisi kata sandi (baris pertama)")
    p.add_argument("--full-name", default="Administrator", help="nama lengkap administrator")
    p.add_argument("--nip", default="", help="NIP administrator")
    p.add_argument("--device-name", default=None, help='nama komputer ini, mis. "TKSK Pontianak Barat"')
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.security.users import create_first_admin
    from spm_desktop.core.storage.open import rename_device

    password = read_secret_file(args.password_file, "password")
    db = ctx.database()
    user = create_first_admin(db, args.admin, args.full_name, password, nip=args.nip)
    if args.device_name:
        rename_device(db, args.device_name)
    print(f"Basis data siap di {ctx.data_dir}. Administrator '{user.username}' dibuat.")
    return 0
