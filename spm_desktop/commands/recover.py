"""``spm-desktop recover --recovery-key-file F --admin NAME --password-file NEW``: the
administrator forgot the password. The recovery key printed by ``init`` opens the encrypted
database; the administrator ``NAME`` gets the new password, ``spm.keys`` is sealed again
(a tampered or damaged ``spm.keys`` is repaired this way too; the other users' wrappings stay)."""

from __future__ import annotations

from spm_desktop.commands import read_secret_file


def register(sub) -> None:
    p = sub.add_parser("recover", help="buka basis data terenkripsi dengan kunci pemulihan (kata sandi admin lupa)")
    p.add_argument("--recovery-key-file", required=True, metavar="BERKAS", help="berkas berisi kunci pemulihan")
    p.add_argument("--admin", required=True, metavar="NAMA", help="nama pengguna administrator")
    p.add_argument("--password-file", required=True, metavar="BERKAS",
                   help="berkas berisi kata sandi baru administrator (baris pertama)")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from pathlib import Path

    from spm_desktop.core.domain.errors import DomainError
    from spm_desktop.core.security.vault import is_encrypted, recover
    from spm_desktop.core.storage.engine import sqlite_file_of

    db_file = sqlite_file_of(ctx.database_url)
    if db_file is None or not is_encrypted(Path(db_file)):
        raise DomainError("Kunci pemulihan hanya dipakai untuk basis data SQLite terenkripsi (ada berkas spm.keys).")
    recovery_key = read_secret_file(args.recovery_key_file, "recovery_key")
    new_password = read_secret_file(args.password_file, "password")
    recover(Path(db_file), recovery_key, args.admin, new_password)
    print(f"Kata sandi administrator '{args.admin.strip().lower()}' diatur ulang dengan kunci pemulihan. "
          "Masuk dengan kata sandi baru.")
    return 0
