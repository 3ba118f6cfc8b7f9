"""``spm-desktop init --admin USER --password-file F [--signatory-name N --signatory-nip NIP]``:
first run without the GUI."""

from __future__ import annotations

from pathlib import Path

from spm_desktop.core.domain.errors import ValidationError


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
    p.set_defaults(func=run)


def read_secret_file(path: str, field: str) -> str:
    """First line of a file holding a password or passphrase."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"Berkas {path} tidak bisa dibaca: {exc.strerror}.", field) from exc
    lines = text.splitlines()
    return lines[0] if lines else ""


def run(args, ctx) -> int:
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.security.users import create_first_admin
    from spm_desktop.core.services.settings import update_settings
    from spm_desktop.core.storage.open import rename_device

    password = read_secret_file(args.password_file, "password")
    db = ctx.database()
    user = create_first_admin(db, args.admin, args.full_name, password, nip=args.nip)
    signatory = {key: value for key, value in (("signatory.name", args.signatory_name),
                                               ("signatory.nip", args.signatory_nip)) if value is not None}
    if signatory:
        update_settings(db, SYSTEM, signatory)
    if args.device_name:
        rename_device(db, args.device_name)
    print(f"Basis data siap di {ctx.data_dir}. Administrator '{user.username}' dibuat.")
    return 0
