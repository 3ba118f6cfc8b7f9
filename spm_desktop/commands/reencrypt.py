"""``spm-desktop reencrypt``: an administrator rewrites a database encrypted by an earlier
version with today's cipher profile (16 KiB pages, HMAC-SHA256; decision 0010), for the
faster sync import and backups. A backup of the old file is made first. Every other computer
must have closed the application (as for a restore)."""

from __future__ import annotations


def register(sub) -> None:
    sub.add_parser("reencrypt", help="tulis ulang basis data terenkripsi dengan format enkripsi terbaru "
                                     "(administrator; tutup aplikasi di komputer lain dulu)").set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.security.vault import upgrade_cipher

    if upgrade_cipher(ctx.database(), ctx.actor()):
        print("Basis data ditulis ulang dengan format enkripsi terbaru (halaman 16 KiB, HMAC-SHA256). "
              "Cadangan berkas lama ada di folder backups (before-migration).")
    else:
        print("Basis data sudah memakai format enkripsi terbaru; tidak ada yang diubah.")
    return 0
