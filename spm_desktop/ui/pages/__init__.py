"""The pages of the main window (docs/architecture.md §1 "Threads"; docs/decisions/0005).

Each module ``spm_desktop.ui.pages.<name>`` defines ``class Page(QWidget)`` with class
attributes ``TITLE`` (navigation label), ``PERMISSION`` (permission key or None), ``ORDER``
(position in the navigation bar), a constructor ``Page(ctx, parent=None)`` and optionally
``refresh()`` (called each time the page is shown) and ``has_unsaved_changes() -> bool``
(asked before leaving the page or closing the window). Add a page by adding its module
name here (one small edit).
"""

PAGE_MODULES: list[str] = [
    "beranda",
    "penerima",
    "kasus",
    "catat_layanan",
    "makan_harian",
    "bencana",
    "kegiatan",
    "pengaduan",
    "rekap",
    "sinkronisasi",
    "pengguna",
    "audit",
    "pengaturan",
]
