"""``spm-desktop sync ...``: exchange packages between databases without a server.

    sync export --to FILE [--peer NAME] [--full] [--passphrase-file F]
    sync import FILE [--preview] [--passphrase-file F]
    sync setup [--device-name NAME] [--passphrase-file F]
    sync status

The passphrase comes from this database's settings unless ``--passphrase-file`` is given
(its first line). The command line acts as the recorded system user.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("sync", help="tukar paket data dengan komputer lain (TKSK/kantor) tanpa server")
    ss = p.add_subparsers(dest="sync_command", metavar="AKSI", required=True)

    e = ss.add_parser("export", help="buat paket perubahan terenkripsi (.spmsync)")
    e.add_argument("--to", required=True, metavar="FILE", help="berkas paket yang dibuat")
    e.add_argument("--peer", default=None, metavar="NAME",
                   help="nama komputer tujuan; hanya perubahan sejak paket terakhir ke tujuan itu")
    e.add_argument("--full", action="store_true", help="kirim semua data walaupun --peer diberikan")
    e.add_argument("--passphrase-file", default=None, metavar="F", help="berkas berisi frasa sandi (baris pertama)")
    e.set_defaults(func=run_export)

    i = ss.add_parser("import", help="impor paket dari komputer lain (satu transaksi, cadangan dibuat dulu)")
    i.add_argument("file", metavar="FILE", help="berkas paket .spmsync")
    i.add_argument("--preview", "--dry-run", action="store_true", dest="preview",
                   help="hanya tampilkan apa yang akan berubah, tanpa menulis")
    i.add_argument("--passphrase-file", default=None, metavar="F", help="berkas berisi frasa sandi (baris pertama)")
    i.set_defaults(func=run_import)

    s = ss.add_parser("setup", help="atur nama komputer ini dan frasa sandi sinkronisasi")
    s.add_argument("--device-name", default=None, metavar="NAME", help='mis. "TKSK Pontianak Barat"')
    s.add_argument("--passphrase-file", default=None, metavar="F", help="berkas berisi frasa sandi kantor")
    s.set_defaults(func=run_setup)

    st = ss.add_parser("status", help="nama komputer, mitra, riwayat paket dan konflik terbuka")
    st.set_defaults(func=run_status)


def _secret(args) -> str | None:
    if not args.passphrase_file:
        return None
    from spm_desktop.commands.init import read_secret_file

    return read_secret_file(args.passphrase_file, "passphrase")


def _n(value: int) -> str:
    from spm_desktop.core.reports.formatting import number

    return number(value)


def run_export(args, ctx) -> int:
    from spm_desktop.core.sync.exporter import export_package

    result = export_package(ctx.database(), ctx.actor(), args.to, peer_name=args.peer, passphrase=_secret(args),
                            full=args.full)
    scope = "semua data" if result.full else "perubahan sejak paket terakhir"
    target = f" untuk {result.peer_name}" if result.peer_name else ""
    print(f"Paket dibuat: {result.file}{target} ({scope}, {_n(result.total)} data, {_n(result.size_bytes)} bita).")
    for table, count in result.counts.items():
        print(f"  {_label(table)}: {_n(count)}")
    return 0


def _label(table: str) -> str:
    from spm_desktop.core.sync.conflicts import ENTITY_LABELS

    return ENTITY_LABELS.get(table, table)


def run_import(args, ctx) -> int:
    from spm_desktop.core.sync.importer import import_package, preview_import

    fn = preview_import if args.preview else import_package
    summary = fn(ctx.database(), ctx.actor(), args.file, passphrase=_secret(args))
    source = f"{summary.source_device_name} ({summary.created_at[:16].replace('T', ' ')} UTC)"
    if summary.already_imported:
        print(f"Paket dari {source} sudah pernah diimpor; tidak ada yang berubah.")
        return 0
    verb = "Pratinjau" if args.preview else "Diimpor"
    print(f"{verb}: paket dari {source}: {_n(summary.new)} baru, {_n(summary.updated)} diperbarui, "
          f"{_n(summary.unchanged)} sama, {_n(summary.kept_local)} tetap versi komputer ini, "
          f"{_n(summary.conflicts)} konflik, {_n(summary.duplicates)} dugaan data ganda (NIK sama).")
    for t in summary.tables:
        if t.new or t.updated or t.conflicts:
            print(f"  {_label(t.table)}: {_n(t.new)} baru, {_n(t.updated)} diperbarui, {_n(t.conflicts)} konflik")
    if summary.backup_file:
        print(f"Cadangan sebelum impor: {summary.backup_file}")
    if summary.conflicts:
        print("Konflik perlu ditinjau supervisor di halaman Sinkronisasi.")
    return 0


def run_setup(args, ctx) -> int:
    from spm_desktop.core.domain.errors import ValidationError
    from spm_desktop.core.sync.identity import device_info, set_device_name, set_passphrase

    if not args.device_name and not args.passphrase_file:
        raise ValidationError("Berikan --device-name dan/atau --passphrase-file.", "args")
    db = ctx.database()
    if args.device_name:
        set_device_name(db, ctx.actor(), args.device_name)
    if args.passphrase_file:
        set_passphrase(db, ctx.actor(), _secret(args))
    info = device_info(db)
    print(f"Komputer ini: {info.name}. Frasa sandi sinkronisasi {'sudah' if info.passphrase_set else 'belum'} diatur.")
    return 0


def run_status(args, ctx) -> int:
    from spm_desktop.core.reports.formatting import short_date
    from spm_desktop.core.sync.conflicts import list_conflicts
    from spm_desktop.core.sync.identity import device_info, list_peers, package_history

    db = ctx.database()
    info = device_info(db)
    print(f"Komputer ini: {info.name} (id {info.id}). Frasa sandi "
          f"{'sudah' if info.passphrase_set else 'BELUM'} diatur.")
    for peer in list_peers(db):
        sent = short_date(peer.last_sent_at.date()) if peer.last_sent_at else "-"
        got = short_date(peer.last_received_at.date()) if peer.last_received_at else "-"
        print(f"  Mitra {peer.name}: terakhir kirim {sent}, terakhir terima {got}")
    for pkg in package_history(db, limit=10):
        arrow = "kirim ke" if pkg.direction == "out" else "terima dari"
        print(f"  {short_date(pkg.processed_at.date())} {arrow} {pkg.peer_name or 'siapa saja'}: "
              f"{_n(pkg.total)} data ({pkg.file_name})")
    print(f"Konflik terbuka: {_n(len(list_conflicts(db, ctx.actor())))}")
    return 0
