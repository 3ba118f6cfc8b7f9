"""``spm-desktop sync ...``: exchange packages between enrolled databases without a server.

    sync identity --out FILE [--device-name NAME]   this computer's public identity + fingerprint
    sync enrol FILE --name NAME --role office|tksk|unit [--kecamatan K | --unit U]
    sync devices                                      enrolled devices
    sync revoke NAME                                  a lost laptop: its packages are refused
    sync export --to FILE --peer NAME [--full] [--no-check]
    sync import FILE [--preview]
    sync status

``sync setup`` and ``--passphrase-file`` (the shared office passphrase) are gone: they exit
with code 2 and a message pointing to enrolment. Every action runs as the logged-in user (with
that user's permissions) and is audited under that name.
"""

from __future__ import annotations

import argparse
import sys

from spm_desktop.core.domain.dates import short_date

EXIT_USAGE = 2


def register(sub) -> None:
    p = sub.add_parser("sync", help="tukar paket data dengan komputer lain (TKSK/kantor) tanpa server")
    ss = p.add_subparsers(dest="sync_command", metavar="AKSI", required=True)

    ident = ss.add_parser("identity", help="simpan identitas publik komputer ini (untuk didaftarkan di komputer lain)")
    ident.add_argument("--out", required=True, metavar="FILE", help="berkas identitas yang dibuat (.spmid)")
    ident.add_argument("--device-name", default=None, metavar="NAME", help='ganti dulu nama komputer ini, mis. '
                                                                          '"TKSK Pontianak Barat"')
    ident.set_defaults(func=run_identity)

    en = ss.add_parser("enrol", help="daftarkan identitas komputer lain dengan peran dan wilayahnya")
    en.add_argument("file", metavar="FILE", help="berkas identitas dari komputer itu")
    en.add_argument("--name", required=True, metavar="NAME", help='nama perangkat, mis. "TKSK Pontianak Barat"')
    en.add_argument("--role", required=True, choices=["office", "tksk", "unit"], help="peran perangkat")
    en.add_argument("--kecamatan", default=None, metavar="KODE", help="kecamatan perangkat TKSK, mis. 61.71.03")
    en.add_argument("--unit", default=None, choices=["UPRS", "PLAT"], help="unit layanan (peran unit)")
    en.set_defaults(func=run_enrol)

    dv = ss.add_parser("devices", help="daftar perangkat terdaftar")
    dv.set_defaults(func=run_devices)

    rv = ss.add_parser("revoke", help="cabut pendaftaran perangkat (mis. laptop hilang)")
    rv.add_argument("name", metavar="NAME", help="nama perangkat terdaftar")
    rv.set_defaults(func=run_revoke)

    e = ss.add_parser("export", help="buat paket perubahan bertanda tangan dan terenkripsi (.spmsync)")
    e.add_argument("--to", required=True, metavar="FILE", help="berkas paket yang dibuat")
    e.add_argument("--peer", required=True, metavar="NAME", help="nama perangkat tujuan yang sudah didaftarkan")
    e.add_argument("--full", action="store_true", help="kirim semua data, bukan hanya perubahan sejak paket terakhir")
    e.add_argument("--no-check", action="store_true",
                   help="jangan periksa dulu perubahan komputer ini dengan aturan penerima (paket bisa ditolak)")
    e.add_argument("--passphrase-file", default=None, help=argparse.SUPPRESS)
    e.set_defaults(func=run_export)

    i = ss.add_parser("import", help="impor paket dari komputer terdaftar (satu transaksi, cadangan dibuat dulu)")
    i.add_argument("file", metavar="FILE", help="berkas paket .spmsync")
    i.add_argument("--preview", "--dry-run", action="store_true", dest="preview",
                   help="hanya tampilkan apa yang akan berubah, tanpa menulis")
    i.add_argument("--passphrase-file", default=None, help=argparse.SUPPRESS)
    i.set_defaults(func=run_import)

    s = ss.add_parser("setup", help=argparse.SUPPRESS)
    s.add_argument("--device-name", default=None, help=argparse.SUPPRESS)
    s.add_argument("--passphrase-file", default=None, help=argparse.SUPPRESS)
    s.set_defaults(func=run_setup)

    st = ss.add_parser("status", help="nama komputer, mitra, riwayat paket dan konflik terbuka")
    st.set_defaults(func=run_status)


def _no_passphrase() -> int:
    from spm_desktop.core.sync.identity import MSG_NO_PASSPHRASE

    print(f"Tidak dipakai lagi: {MSG_NO_PASSPHRASE}", file=sys.stderr)
    return EXIT_USAGE


def _n(value: int) -> str:
    from spm_desktop.core.reports.formatting import number

    return number(value)


def run_export(args, ctx) -> int:
    from spm_desktop.core.sync.exporter import export_package

    if args.passphrase_file:
        return _no_passphrase()
    result = export_package(ctx.database(), ctx.actor(), args.to, peer_name=args.peer, full=args.full,
                            check=not args.no_check)
    scope = "semua data" if result.full else "perubahan sejak paket terakhir"
    target = f" untuk {result.peer_name}"
    print(f"Paket dibuat: {result.file}{target} ({scope}, {_n(result.total)} data, {_n(result.size_bytes)} bita).")
    for table, count in result.counts.items():
        print(f"  {_label(table)}: {_n(count)}")
    return 0


def _label(table: str) -> str:
    from spm_desktop.core.sync.conflicts import ENTITY_LABELS

    return ENTITY_LABELS.get(table, table)


def run_import(args, ctx) -> int:
    from spm_desktop.core.sync.importer import import_package, preview_import

    if args.passphrase_file:
        return _no_passphrase()
    fn = preview_import if args.preview else import_package
    summary = fn(ctx.database(), ctx.actor(), args.file)
    source = f"{summary.source_device_name} ({summary.created_at[:16].replace('T', ' ')} UTC)"
    if summary.already_imported:
        print(f"Paket dari {source} sudah pernah diimpor; tidak ada yang berubah.")
        return 0
    verb = "Pratinjau" if args.preview else "Diimpor"
    print(f"{verb}: paket dari {source}: {_n(summary.new)} baru, {_n(summary.updated)} diperbarui, "
          f"{_n(summary.unchanged)} sama, {_n(summary.kept_local)} tetap versi komputer ini, "
          f"{_n(summary.conflicts)} konflik, {_n(summary.duplicates)} dugaan data ganda baru untuk ditinjau.")
    for t in summary.tables:
        if t.new or t.updated or t.conflicts:
            print(f"  {_label(t.table)}: {_n(t.new)} baru, {_n(t.updated)} diperbarui, {_n(t.conflicts)} konflik")
    if summary.removed:
        print("  Di luar wilayah perangkat ini, dihapus dari komputer ini (tetap ada di kantor): "
              f"{_n(summary.removed)} "
              "penerima layanan beserta kasus dan layanannya")
    if summary.backup_file:
        print(f"Cadangan sebelum impor: {summary.backup_file}")
    if summary.conflicts:
        print("Konflik perlu ditinjau supervisor di halaman Sinkronisasi.")
    return 0


def run_setup(args, ctx) -> int:
    return _no_passphrase()


def run_identity(args, ctx) -> int:
    from spm_desktop.core.sync.identity import set_device_name, write_identity

    db = ctx.database()
    if args.device_name:
        set_device_name(db, ctx.actor(), args.device_name)
    ident = write_identity(db, ctx.actor(), args.out)
    print(f"Identitas komputer ini ({ident.name}) disimpan di {args.out}.")
    print(f"Sidik: {ident.fingerprint}")
    print("Bawa berkas ini ke komputer mitra untuk didaftarkan (sync enrol); bacakan sidiknya agar dicocokkan.")
    return 0


def run_enrol(args, ctx) -> int:
    from spm_desktop.core.sync.identity import enrol_device

    peer = enrol_device(ctx.database(), ctx.actor(), args.file, args.name, args.role, kecamatan=args.kecamatan,
                        unit=args.unit)
    print(f"Terdaftar: {peer.name} ({peer.scope_label}), sidik {peer.fingerprint}.")
    print("Cocokkan sidik ini dengan yang tampil di komputer itu sebelum bertukar paket.")
    return 0


def run_devices(args, ctx) -> int:
    from spm_desktop.core.sync.identity import list_peers

    peers = [p for p in list_peers(ctx.database()) if p.role]
    if not peers:
        print("Belum ada perangkat terdaftar. Daftarkan dengan 'sync enrol BERKAS --name NAMA --role PERAN'.")
    for p in peers:
        state = f"DICABUT {short_date(p.revoked_at)}" if p.revoked_at else "aktif"
        print(f"{p.name}\t{p.scope_label}\t{p.fingerprint}\t{state}")
    return 0


def run_revoke(args, ctx) -> int:
    from spm_desktop.core.sync.identity import revoke_device

    peer = revoke_device(ctx.database(), ctx.actor(), args.name)
    print(f"Pendaftaran {peer.name} dicabut: paket darinya ditolak dan tidak ada paket dibuat untuknya.")
    return 0


def run_status(args, ctx) -> int:
    from spm_desktop.core.sync.conflicts import list_conflicts
    from spm_desktop.core.sync.identity import (
        clock_warning,
        device_info,
        list_peers,
        open_refusals,
        package_history,
        refused_problems,
    )

    db = ctx.database()
    info = device_info(db)
    print(f"Komputer ini: {info.name} (id {info.id}), sidik {info.fingerprint}. Perangkat terdaftar: "
          f"{_n(info.enrolled_peers)}.")
    for peer in list_peers(db):
        sent = short_date(peer.last_sent_at.date()) if peer.last_sent_at else "-"
        got = short_date(peer.last_received_at.date()) if peer.last_received_at else "-"
        print(f"  Mitra {peer.name}: terakhir kirim {sent}, terakhir terima {got}")
    for pkg in package_history(db, limit=10):
        arrow = "kirim ke" if pkg.direction == "out" else "terima dari"
        print(f"  {short_date(pkg.processed_at.date())} {arrow} {pkg.peer_name or 'siapa saja'}: "
              f"{_n(pkg.total)} data ({pkg.file_name}): {pkg.status_label}")
    for pkg in open_refusals(db):
        print(f"Paket ke {pkg.peer_name} ({pkg.file_name}) DITOLAK di sana; perbaiki lalu buat paket lagi (perubahan "
              "yang sama ikut lagi):")
        for problem in refused_problems(db, pkg):
            print(f"  - {problem.line()}")
    print(f"Konflik terbuka: {_n(len(list_conflicts(db, ctx.actor())))}")
    warning = clock_warning(db)
    if warning:
        print(f"Peringatan: {warning}")
    return 0
