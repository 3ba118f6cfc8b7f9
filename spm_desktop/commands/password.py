"""``spm-desktop password --new-password-file F``: the logged-in user chooses a new password
(proving the current one, which is the login's). A one-time password given by an
administrator allows this command only. On an encrypted database the key is wrapped under the
new password and the old one no longer opens it."""

from __future__ import annotations

from spm_desktop.commands import read_secret_file


def register(sub) -> None:
    p = sub.add_parser("password", help="ganti kata sandi pengguna yang masuk")
    p.add_argument("--new-password-file", required=True, metavar="BERKAS",
                   help="berkas berisi kata sandi baru (baris pertama)")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.security.users import change_own_password

    new_password = read_secret_file(args.new_password_file, "password")
    _username, old_password = ctx.credentials()
    change_own_password(ctx.database(), ctx.actor(), old_password, new_password)
    print("Kata sandi diganti. Masuk berikutnya dengan kata sandi baru.")
    return 0
