"""The lazy persons list: pages of 200 rows fetched through the runner as the view scrolls.

``set_query(PersonQuery)`` asks the core for the first page and the total (one read on the
worker thread); ``fetchMore`` asks for the next page. Sorting clicks on a sortable column
re-query in the database (``PersonQuery.sort``), so 100,000 persons never come into memory.
Answers of an older query (the user typed on) are dropped by a generation number.

Search as you type: once the first page is shown, a :class:`PersonIndex` (ids and search
keys only) loads in the background; text searches in name order (with category/region
filters) are then answered from it in a few milliseconds, and their rows fetched by id.
Other queries, and any query before the index is ready, go to the database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.reports.formatting import number
from spm_desktop.core.services.person_index import PersonIndex, person_rows
from spm_desktop.core.services.person_search import PersonPage, PersonQuery, PersonRow, list_persons
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.context import UiContext

PAGE_SIZE = 200
# Rows fetched with an index answer: a screenful or two; scrolling fetches the rest by pages.
INDEX_FIRST_ROWS = 80
ID_ROLE = Qt.ItemDataRole.UserRole + 1
NO_NIK = "belum diketahui"

# (header, sort key of PersonQuery or None when the column cannot be sorted)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("Nama", "name"),
    ("NIK", "nik"),
    ("No. KK", None),
    ("L/P", None),
    ("Lahir", "birth_year"),
    ("Desa/kelurahan", "kelurahan"),
    ("Kategori PMKS", None),
    ("Kasus terbuka", None),
)


def birth_text(birth_date: date | None, birth_year: int | None, estimated: bool) -> str:
    """``17/08/1975``, or ``± 1975`` for an estimated year, or empty."""
    if birth_date is not None and not estimated:
        return short_date(birth_date)
    if birth_year:
        return f"± {birth_year}" if estimated else str(birth_year)
    return ""


def person_cell(row: PersonRow, column: int) -> str:
    if column == 0:
        return f"{row.name} ({row.alias})" if row.alias else row.name
    if column == 1:
        return row.nik or NO_NIK
    if column == 2:
        return row.no_kk or ""
    if column == 3:
        return row.sex
    if column == 4:
        return birth_text(row.birth_date, row.birth_year, row.birth_year_estimated)
    if column == 5:
        return row.kelurahan_name
    if column == 6:
        return row.category_name
    return number(row.open_cases) if row.open_cases else ""


def index_usable(query: PersonQuery) -> bool:
    """Queries the in-memory index answers exactly like the database."""
    return bool(query.text.strip()) and query.sort == "name" and not query.descending and not query.unit \
        and query.has_open_case is None and not query.sex


def index_page(db: Database, actor: Actor, index: PersonIndex, query: PersonQuery,
               size: int) -> tuple[list[str], PersonPage]:
    """Worker thread: every matching id, and the rows of the first page."""
    ids = index.match(query.text, query.category_code, query.kecamatan_code, query.kelurahan_code)
    rows = person_rows(db, actor, ids[:size])
    return ids, PersonPage(rows=tuple(rows), offset=0, total=len(ids))


def ids_page(db: Database, actor: Actor, ids: list[str], offset: int, size: int) -> PersonPage:
    return PersonPage(rows=tuple(person_rows(db, actor, ids[offset:offset + size])), offset=offset, total=-1)


class PersonListModel(QAbstractTableModel):
    """Rows of :class:`PersonRow`, loaded page by page on the background runner."""

    loaded = Signal(int)  # total rows of the current query, once its first page arrived

    def __init__(self, ctx: UiContext, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.query = PersonQuery()
        self.rows: list[PersonRow] = []
        self.total = 0
        self._generation = 0
        self._fetching = False
        self.index_: PersonIndex | None = None
        self._index_loading = False
        self._ids: list[str] | None = None  # all matching ids when answered from the index

    # --- loading ------------------------------------------------------------------------
    def set_query(self, query: PersonQuery) -> None:
        """Show the persons matching ``query`` (asynchronous; ``loaded`` says when)."""
        self.query = query
        self._generation += 1
        self._fetching = True
        if self.index_ is not None and index_usable(query):
            self.ctx.runner.submit(index_page, self.ctx.db, self.ctx.actor, self.index_, query, INDEX_FIRST_ROWS,
                                   on_done=partial(self._index_answer, self._generation), on_error=self._failed)
            return
        self.ctx.runner.submit(list_persons, self.ctx.db, self.ctx.actor, query, 0, PAGE_SIZE,
                               on_done=partial(self._first_page, self._generation, None), on_error=self._failed)

    def reload(self) -> None:
        """Query again; the search index is rebuilt too (persons may have changed)."""
        self.index_ = None
        self.set_query(self.query)

    def _load_index(self) -> None:
        if self.index_ is not None or self._index_loading:
            return
        self._index_loading = True
        self.ctx.runner.submit(PersonIndex.load, self.ctx.db, self.ctx.actor, on_done=self._index_loaded,
                               on_error=self._index_failed)

    def _index_loaded(self, index: PersonIndex) -> None:
        self._index_loading = False
        self.index_ = index

    def _index_failed(self, error: BaseException) -> None:
        # Searching still works through the database; the index only makes it faster.
        self._index_loading = False

    def _index_answer(self, generation: int, answer: tuple[list[str], PersonPage]) -> None:
        self._first_page(generation, answer[0], answer[1])

    def _first_page(self, generation: int, ids: list[str] | None, page: PersonPage) -> None:
        if generation != self._generation:
            return
        self._ids = ids
        self.beginResetModel()
        self.rows = list(page.rows)
        self.total = page.total
        self._fetching = False
        self.endResetModel()
        self.loaded.emit(self.total)
        self._load_index()

    def _more(self, generation: int, page: PersonPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        if not page.rows:
            self.total = len(self.rows)
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
        self.rows.extend(page.rows)
        self.endInsertRows()

    def _failed(self, error: BaseException) -> None:
        self._fetching = False
        from spm_desktop.ui.errors import show_error

        show_error(None, error)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self._fetching and len(self.rows) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: N802
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        if self._ids is not None:
            self.ctx.runner.submit(ids_page, self.ctx.db, self.ctx.actor, self._ids, len(self.rows), PAGE_SIZE,
                                   on_done=partial(self._more, self._generation), on_error=self._failed)
            return
        self.ctx.runner.submit(list_persons, self.ctx.db, self.ctx.actor, self.query, len(self.rows), PAGE_SIZE,
                               with_total=False, on_done=partial(self._more, self._generation),
                               on_error=self._failed)

    # --- reading ------------------------------------------------------------------------
    def person_id(self, row: int) -> str | None:
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def row_of(self, person_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == person_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return person_cell(row, index.column())
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1 and not row.nik:
            return QColor("#757575")
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            place = ", ".join(p for p in (row.kelurahan_name, row.kecamatan_name) if p)
            return f"{row.name}\n{place}" if place else row.name
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in the database; columns without a sort key keep the current order."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][1] is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        key = COLUMNS[column][1]
        if (key, descending) != (self.query.sort, self.query.descending):
            self.set_query(replace(self.query, sort=key, descending=descending))
