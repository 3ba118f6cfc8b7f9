"""The one entry point. No subcommand starts the GUI; subcommands do headless work.

Exit codes (architecture §9): 0 success, 1 refused input (Indonesian message on stderr),
2 usage error or no display for the GUI.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys

from spm_desktop import __version__
from spm_desktop.commands import (
    COMMAND_MODULES,
    NO_LOGIN_COMMANDS,
    PASSWORD_FILE_ENV,
    USER_ENV,
    CliContext,
    CredentialsMissing,
    load_command_modules,
)
from spm_desktop.core.domain.errors import DomainError

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2

NO_DISPLAY_MESSAGE = (
    "Tidak ada layar (display) yang bisa dipakai untuk membuka jendela aplikasi.\n"
    "Jalankan SPM Desktop dari desktop Windows/Linux yang memiliki layar, atau gunakan\n"
    "perintah tanpa layar, misalnya: spm-desktop recap --year 2026 --month 3 --pdf rekap.pdf\n"
    "(lihat: spm-desktop --help). Untuk pengujian tanpa layar: QT_QPA_PLATFORM=offscreen."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spm-desktop",
        description="SPM Desktop — pencatatan layanan PPKS dan rekap capaian SPM Bidang Sosial.",
    )
    parser.add_argument("--version", action="version", version=f"spm-desktop {__version__}")
    parser.add_argument("--data-dir", help="folder data (bawaan: SPM_DATA_DIR atau folder data pengguna)")
    parser.add_argument("--self-test", action="store_true",
                        help="uji mandiri tanpa layar di folder sementara (migrasi, data contoh, rekap, PDF, "
                             "lembar kerja); kode keluar 0 bila lulus")
    _login_options(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    for module in load_command_modules():
        module.register(sub)
    for name, command in sub.choices.items():
        if name not in NO_LOGIN_COMMANDS:
            _add_login_options_everywhere(command)
    return parser


LOGIN_HELP = (f"masuk sebagai pengguna ini (atau {USER_ENV}); tanpa --password-file (atau {PASSWORD_FILE_ENV}) "
              "kata sandi ditanyakan di terminal")


def _login_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--user", default=default, metavar="NAMA", help=LOGIN_HELP)
    parser.add_argument("--password-file", default=default, metavar="BERKAS",
                        help="berkas berisi kata sandi pengguna (baris pertama)")


def _add_login_options_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--user``/``--password-file`` also after the subcommand (``spm-desktop recap --user …``);
    SUPPRESS keeps a value given before the subcommand."""
    _login_options(parser, argparse.SUPPRESS)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _add_login_options_everywhere(child)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in {"offscreen", "minimal", "vnc"}:
        return True
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(ctx: CliContext) -> int:
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return EXIT_USAGE
    from spm_desktop.app import run  # Qt is only imported when the GUI is wanted

    return run(ctx.data_dir)


def main(argv: list[str] | None = None) -> int:
    # Everything this process creates — the database and its WAL, backups, logs, exports — is
    # the user's alone (0600 files, 0700 folders). On Windows the user's profile ACL does this.
    old_umask = os.umask(0o077)
    try:
        return _main(argv)
    finally:
        os.umask(old_umask)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        if args.command is not None:
            parser.error("--self-test tidak dipakai bersama perintah lain")
        from spm_desktop.commands.self_test import run_self_test_command

        return run_self_test_command()
    ctx = CliContext(args.data_dir, args.user, args.password_file)
    ctx.command = args.command
    try:
        if args.command is None:
            return run_gui(ctx)
        ctx.setup_logging()
        if args.command not in NO_LOGIN_COMMANDS and getattr(args, "login", True):
            ctx.login()  # every command runs as a user (architecture §7); restore logs in itself
        code = int(args.func(args, ctx) or EXIT_OK)
        sys.stdout.flush()  # a closed pipe shows here, after the work is done
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except CredentialsMissing as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    except DomainError as exc:
        print(f"Ditolak: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("Dibatalkan.", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:  # noqa: BLE001 — every fault ends in an Indonesian sentence, never a traceback
        message = explain_fault(exc)
        logging.getLogger("spm_desktop.cli").error("Perintah %s gagal: %s", args.command, type(exc).__name__,
                                                   exc_info=message is None)
        print(message or f"Terjadi kesalahan tak terduga ({type(exc).__name__}); tidak ada yang disimpan setengah "
                         "jadi. Rinciannya ada di berkas catatan logs/spm-desktop.log di folder data.",
              file=sys.stderr)
        return EXIT_REFUSED
    finally:
        ctx.close()
        logging.shutdown()


def _closed_pipe() -> int:
    """The reader of our output went away (``| head``): the work is done, exit 0 quietly.
    Further writes to the dead stdout (at interpreter exit) go to /dev/null."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def explain_fault(exc: BaseException) -> str | None:
    """An Indonesian explanation of a fault of the machine (not of the input): a database
    locked by another program, a full disk, a read-only data folder. None when unknown."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    err = getattr(exc, "errno", None) or getattr(getattr(exc, "orig", None), "errno", None)
    if "database is locked" in text or "database table is locked" in text:
        return ("Basis data sedang dipakai program lain (terkunci) dan tidak dapat ditulis sekarang. "
                "Tunggu sampai pekerjaan lain selesai atau tutup aplikasi SPM Desktop yang terbuka, lalu ulangi. "
                "Tidak ada yang disimpan.")
    if err == errno.ENOSPC or "disk is full" in text or "no space left" in text:
        return ("Disk penuh: tidak ada ruang untuk menulis. Kosongkan sebagian ruang disk (mis. pindahkan cadangan "
                "lama ke diska lain), lalu ulangi. Tidak ada yang disimpan setengah jadi.")
    if err in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly database" in text or "read-only" in text:
        return ("Folder data atau berkasnya hanya bisa dibaca (read-only); perintah ini perlu menulis. Perintah "
                "yang hanya membaca (check, recap --json) tetap bisa dipakai. Periksa izin folder data.")
    return None


__all__ = ["main", "build_parser", "COMMAND_MODULES"]
