"""The one entry point. No subcommand starts the GUI; subcommands do headless work.

Exit codes (architecture §9): 0 success, 1 refused input (Indonesian message on stderr),
2 usage error or no display for the GUI.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from spm_desktop import __version__
from spm_desktop.commands import COMMAND_MODULES, CliContext, load_command_modules
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
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    for module in load_command_modules():
        module.register(sub)
    return parser


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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        if args.command is not None:
            parser.error("--self-test tidak dipakai bersama perintah lain")
        from spm_desktop.commands.self_test import run_self_test_command

        return run_self_test_command()
    ctx = CliContext(args.data_dir)
    try:
        if args.command is None:
            return run_gui(ctx)
        ctx.setup_logging()
        return int(args.func(args, ctx) or EXIT_OK)
    except DomainError as exc:
        print(f"Ditolak: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("Dibatalkan.", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        ctx.close()
        logging.shutdown()


__all__ = ["main", "build_parser", "COMMAND_MODULES"]
