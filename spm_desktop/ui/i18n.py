"""Qt's own texts (standard buttons, context menus, file dialogs) in Bahasa Indonesia.

Qt does not ship ``qtbase_id.qm``; when a file with that name is found among Qt's
translations it is used, and ours (``resources/i18n/qt_id.qm``, compiled from the table
below by :func:`build_qm`: ``python -m spm_desktop.ui.i18n``) is installed after it so
it wins for the strings it has.
Dates and numbers follow ``QLocale(Indonesian, Indonesia)`` (dd/mm/yyyy, 1.234).
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from spm_desktop.core.paths import resource_path

# (context, source) -> Indonesian; the source texts are Qt's, mnemonics kept where Qt has them.
_TEXTS: dict[str, dict[str, str]] = {
    "QPlatformTheme": {
        "OK": "OK", "Save": "Simpan", "Save All": "Simpan Semua", "Open": "Buka", "&Yes": "&Ya",
        "Yes to &All": "Ya untuk &Semua", "&No": "&Tidak", "N&o to All": "T&idak untuk Semua",
        "Abort": "Batalkan", "Retry": "Coba Lagi", "Ignore": "Abaikan", "Close": "Tutup",
        "Cancel": "Batal", "Discard": "Buang", "Help": "Bantuan", "Apply": "Terapkan",
        "Reset": "Atur Ulang", "Restore Defaults": "Kembalikan Bawaan",
        "Don't Save": "Jangan Simpan", "Close without Saving": "Tutup tanpa Menyimpan",
    },
    "QDialogButtonBox": {"OK": "OK", "&OK": "&OK", "Cancel": "Batal", "&Cancel": "&Batal",
                         "Close": "Tutup", "&Close": "&Tutup", "Save": "Simpan", "&Save": "&Simpan",
                         "&Yes": "&Ya", "&No": "&Tidak"},
    "QMessageBox": {"Show Details...": "Tampilkan Rincian…", "Hide Details...": "Sembunyikan Rincian…",
                    "OK": "OK", "About Qt": "Tentang Qt", "Help": "Bantuan"},
    "QWidgetTextControl": {"&Undo": "&Urungkan", "&Redo": "&Ulangi", "Cu&t": "Po&tong", "&Copy": "&Salin",
                           "Copy &Link Location": "Salin &Alamat Tautan", "&Paste": "&Tempel",
                           "Delete": "Hapus", "Select All": "Pilih Semua"},
    "QLineEdit": {"&Undo": "&Urungkan", "&Redo": "&Ulangi", "Cu&t": "Po&tong", "&Copy": "&Salin",
                  "&Paste": "&Tempel", "Delete": "Hapus", "Select All": "Pilih Semua"},
    "QAbstractSpinBox": {"&Select All": "&Pilih Semua", "&Step up": "&Naik", "Step &down": "&Turun"},
    "QFileDialog": {
        "Look in:": "Lihat di:", "File &name:": "&Nama berkas:", "Files of type:": "Jenis berkas:",
        "&Open": "&Buka", "&Save": "&Simpan", "Open": "Buka", "Save As": "Simpan Sebagai",
        "&Choose": "&Pilih", "Back": "Kembali", "Forward": "Maju", "Parent Directory": "Folder Induk",
        "Create New Folder": "Buat Folder Baru", "New Folder": "Folder Baru", "List View": "Tampilan Daftar",
        "Detail View": "Tampilan Rinci", "&Delete": "&Hapus", "&Rename": "&Ganti Nama",
        "Show &hidden files": "Tampilkan berkas &tersembunyi", "All Files (*)": "Semua Berkas (*)",
        "Directory:": "Folder:", "Find Directory": "Cari Folder", "My Computer": "Komputer Saya",
        "Recent Places": "Tempat Terakhir", "Sidebar": "Bilah Samping", "Files": "Berkas",
        # Qt 6 spells these with mnemonics
        "&Look in:": "&Lihat di:", "Files of &type:": "&Jenis berkas:", "&New Folder": "Folder &Baru",
        "%1 already exists.\nDo you want to replace it?": "%1 sudah ada.\nGanti berkas itu?",
        "Are you sure you want to delete '%1'?": "Yakin akan menghapus '%1'?",
        "Could not delete directory.": "Folder tidak bisa dihapus.",
        "%1\nFile not found.\nPlease verify the correct file name was given.":
            "%1\nBerkas tidak ditemukan.\nPeriksa nama berkasnya.",
        "%1\nDirectory not found.\nPlease verify the correct directory name was given.":
            "%1\nFolder tidak ditemukan.\nPeriksa nama foldernya.",
    },
    "QAbstractFileIconProvider": {"Drive": "Drive", "File Folder": "Folder", "Folder": "Folder",
                                  "Alias": "Alias", "Shortcut": "Pintasan", "%1 File": "Berkas %1",
                                  "File": "Berkas", "Unknown": "Tidak dikenal"},
    "QFileSystemModel": {"Name": "Nama", "Size": "Ukuran", "Type": "Jenis", "Date Modified": "Tanggal Diubah",
                         "Kind": "Jenis"},
    "QProgressDialog": {"Cancel": "Batal"},
    "QShortcut": {"Ctrl": "Ctrl", "Shift": "Shift", "Alt": "Alt", "Del": "Del", "Backspace": "Backspace",
                  "Return": "Enter", "Enter": "Enter", "Esc": "Esc"},
    "QCalendarWidget": {"Today": "Hari ini"},
}


QM_FILE = resource_path("i18n", "qt_id.qm")


def write_ts(path: Path) -> None:
    """Write :data:`_TEXTS` as a Qt Linguist ``.ts`` file (compiled with ``pyside6-lrelease``)."""
    root = ET.Element("TS", version="2.1", language="id_ID")
    for context, table in _TEXTS.items():
        ctx_el = ET.SubElement(root, "context")
        ET.SubElement(ctx_el, "name").text = context
        for source, translation in table.items():
            msg = ET.SubElement(ctx_el, "message")
            ET.SubElement(msg, "source").text = source
            ET.SubElement(msg, "translation").text = translation
    ET.indent(root)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, "unicode") + "\n",
                    encoding="utf-8")


def build_qm(target: Path = QM_FILE) -> Path:
    """Regenerate ``resources/i18n/qt_id.qm`` from the table (run after editing :data:`_TEXTS`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    ts = target.with_suffix(".ts")
    write_ts(ts)
    import PySide6.QtCore

    bundled = Path(PySide6.QtCore.__file__).parent / "lrelease"  # next to the Qt modules
    lrelease = str(bundled) if bundled.exists() else (shutil.which("lrelease") or "lrelease")
    subprocess.run([lrelease, "-silent", str(ts), "-qm", str(target)], check=True)
    return target


def indonesian_locale() -> QLocale:
    return QLocale(QLocale.Language.Indonesian, QLocale.Country.Indonesia)


def install_indonesian(app: QCoreApplication) -> list[QTranslator]:
    """Install the Indonesian translators on ``app``; returns them (keep a reference)."""
    QLocale.setDefault(indonesian_locale())
    translators: list[QTranslator] = []
    shipped = QTranslator(app)
    if shipped.load(indonesian_locale(), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(shipped)
        translators.append(shipped)
    ours = QTranslator(app)
    if ours.load(str(QM_FILE)):
        app.installTranslator(ours)
        translators.append(ours)
    return translators


if __name__ == "__main__":
    print(build_qm())
