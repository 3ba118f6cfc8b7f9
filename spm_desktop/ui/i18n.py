"""Qt's own texts (standard buttons, context menus, file dialogs) in Bahasa Indonesia.

Qt does not ship ``qtbase_id.qm``; when a file with that name is found among Qt's
translations it is used, else :class:`IndonesianQtTranslator` answers from the table below.
Dates and numbers follow ``QLocale(Indonesian, Indonesia)`` (dd/mm/yyyy, 1.234).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

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
    },
    "QFileSystemModel": {"Name": "Nama", "Size": "Ukuran", "Type": "Jenis", "Date Modified": "Tanggal Diubah",
                         "Kind": "Jenis"},
    "QProgressDialog": {"Cancel": "Batal"},
    "QShortcut": {"Ctrl": "Ctrl", "Shift": "Shift", "Alt": "Alt", "Del": "Del", "Backspace": "Backspace",
                  "Return": "Enter", "Enter": "Enter", "Esc": "Esc"},
    "QCalendarWidget": {"Today": "Hari ini"},
}


class IndonesianQtTranslator(QTranslator):
    """A translator answering Qt's own strings from :data:`_TEXTS`."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        table = _TEXTS.get(context)
        if table is None:
            return ""
        return table.get(source, "")

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return False


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
    ours = IndonesianQtTranslator(app)
    app.installTranslator(ours)
    translators.append(ours)
    return translators
