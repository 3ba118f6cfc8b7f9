"""Table models of the Bencana page: the disaster list, the members with what they still
lack, and the editable member grid of the family form. Each holds plain values only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import HOUSEHOLD_RELATIONS, SEXES
from spm_desktop.core.domain.vulnerable import NEED_LABELS
from spm_desktop.core.services.households import MemberInput
from spm_desktop.ui.models.table import Column, RecordTableModel

_Index = QModelIndex | QPersistentModelIndex
DISPLAY, EDIT, CHECK, ALIGN = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.CheckStateRole,
                               Qt.ItemDataRole.TextAlignmentRole)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_SORT, _ALIGN = int(SORT_ROLE), int(ALIGN.value)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
SHORT_KINDS = {"balita": "balita", "lansia": "lansia", "hamil_menyusui": "hamil/menyusui",
               "disabilitas": "disabilitas"}


def fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class SortedRecordModel(RecordTableModel):
    """:class:`RecordTableModel` with a sort key per column (``SORT_ROLE``: dates and numbers
    sort as such behind a proxy) and right-aligned numeric columns."""

    def __init__(self, columns: tuple[Column, ...], sort_keys: dict[int, Callable[[Any], Any]],
                 numeric: frozenset[int] = frozenset(), parent=None) -> None:
        super().__init__(columns, parent)
        self.sort_keys, self.numeric = sort_keys, numeric

    def _sort_key(self, record: Any, column: int) -> Any:
        key = self.sort_keys.get(column)
        return key(record) if key else self.columns[column].text(record)

    def data(self, index: _Index, role: int = DISPLAY):
        # The roles tested as plain ints before touching the index (see RecordTableModel.data).
        if role == _SORT:  # asked twice per comparison while the proxy sorts
            return self.cell(index, _SORT, self._sort_key)
        if role == _ALIGN:
            return RIGHT if index.column() in self.numeric else None
        return super().data(index, role)


def disaster_model(parent=None) -> SortedRecordModel:
    """Records: :class:`DisasterInfo`, newest first."""
    return SortedRecordModel((
        Column("Tanggal", lambda d: short_date(d.start_date)),
        Column("Jenis", lambda d: d.name or d.kind_label, lambda d: d.kind_label),
        Column("Desa/kelurahan", lambda d: d.kelurahan_name),
        Column("Kecamatan", lambda d: d.kecamatan_name),
        Column("Fase", lambda d: d.phase_label),
        Column("KK", lambda d: fmt_int(d.households)),
        Column("Jiwa", lambda d: fmt_int(d.persons)),
        Column("Status", lambda d: f"Ditutup {short_date(d.closed_on)}" if d.status == "closed" else "Berjalan"),
        Column("Skala", lambda d: d.scale_label),
    ), {0: lambda d: d.start_date.isoformat(), 5: lambda d: d.households, 6: lambda d: d.persons,
        7: lambda d: d.closed_on.isoformat() if d.closed_on else ""},
        frozenset({5, 6}), parent)


def need_text(codes) -> str:
    """"permakanan, sandang" or "–"."""
    return ", ".join(NEED_LABELS.get(c, c) for c in codes) or "–"


def member_needs_model(parent=None) -> SortedRecordModel:
    """Records: :class:`MemberNeeds` of a disaster summary."""
    return SortedRecordModel((
        Column("No. KK", lambda m: m.no_kk or "–"),
        Column("Nama", lambda m: m.name),
        Column("NIK", lambda m: m.nik or ""),
        Column("Hubungan", lambda m: HOUSEHOLD_RELATIONS.get(m.relation, m.relation)),
        Column("Umur", lambda m: "" if m.age is None else str(m.age)),
        Column("Kelompok rentan", lambda m: ", ".join(SHORT_KINDS[k] for k in m.vulnerable_kinds)),
        Column("Kebutuhan", lambda m: need_text(m.needed)
               + (f" (dikecualikan: {need_text(m.waived)} — {m.waiver_reason})" if m.waived else "")),
        Column("Masih kurang", lambda m: m.missing_text),
    ), {4: lambda m: -1 if m.age is None else m.age}, frozenset({4}), parent)


MISSING_COLUMN = 7


# ----- the editable member grid of the family form ------------------------------------


@dataclass
class MemberRow:
    """One grid row as typed; :meth:`to_input` turns it into a service input."""

    name: str = ""
    nik: str = ""
    sex: str = ""
    birth_date: str = ""  # dd/mm/yyyy as typed
    age: str = ""
    relation: str = "anak"
    pregnant_breastfeeding: bool = False
    disability: bool = False
    extra: dict = field(default_factory=dict)
    needs_psychosocial: bool = False
    waived: tuple[str, ...] = ()
    waiver_reason: str = ""

    def to_input(self, number: int) -> MemberInput:
        birth = None
        if self.birth_date.strip():
            try:
                birth = datetime.strptime(self.birth_date.strip(), "%d/%m/%Y").date()
            except ValueError:
                raise ValidationError(f"Anggota ke-{number}: tanggal lahir '{self.birth_date}' harus ditulis "
                                      "dd/mm/yyyy, misalnya 17/08/1980.", f"members[{number - 1}].birth_date") from None
        age = None
        if self.age.strip():
            if not self.age.strip().isdigit():
                raise ValidationError(f"Anggota ke-{number}: umur harus angka tahun.", f"members[{number - 1}].age")
            age = int(self.age.strip())
        return MemberInput(name=self.name.strip(), relation=self.relation, sex=self.sex, nik=self.nik.strip(),
                           birth_date=birth, age=age, pregnant_breastfeeding=self.pregnant_breastfeeding,
                           disability=self.disability, person_id=self.extra.get("person_id"),
                           needs_psychosocial=self.needs_psychosocial, waived=tuple(self.waived),
                           waiver_reason=self.waiver_reason.strip())


class MemberGridModel(QAbstractTableModel):
    """Editable rows of the family form. Sex and relation hold keys; the view shows labels."""

    HEADERS = ("Nama", "NIK", "L/P", "Tanggal lahir", "Umur", "Hubungan", "Hamil/menyusui", "Disabilitas",
               "Butuh psikososial", "Kebutuhan dikecualikan")
    TEXT_FIELDS = ("name", "nik", "sex", "birth_date", "age", "relation")
    CHECK_FIELDS = {6: "pregnant_breastfeeding", 7: "disability", 8: "needs_psychosocial"}
    SEX_COLUMN, RELATION_COLUMN, WAIVED_COLUMN = 2, 5, 9

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[MemberRow] = [MemberRow(relation="kepala")]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):  # noqa: N802
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in self.CHECK_FIELDS:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == self.WAIVED_COLUMN:
            return base  # set with "Kecualikan kebutuhan…"
        known = index.row() < len(self._rows) and self._rows[index.row()].extra.get("person_id")
        if known and index.column() != self.RELATION_COLUMN:
            return base  # a registered person's own data is changed on the person page
        return base | Qt.ItemFlag.ItemIsEditable

    def _sort_key(self, record: Any, column: int) -> Any:
        key = self.sort_keys.get(column)
        return key(record) if key else self.columns[column].text(record)

    def data(self, index: _Index, role: int = DISPLAY):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if col in self.CHECK_FIELDS:
            if role == CHECK:
                return (Qt.CheckState.Checked if getattr(row, self.CHECK_FIELDS[col])
                        else Qt.CheckState.Unchecked).value
            return None
        if col == self.WAIVED_COLUMN:
            if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
                return f"{need_text(row.waived)} — {row.waiver_reason}" if row.waived else ""
            return None
        value = getattr(row, self.TEXT_FIELDS[col])
        if role == EDIT:
            return value
        if role == DISPLAY:
            if col == self.SEX_COLUMN:
                return value
            if col == self.RELATION_COLUMN:
                return HOUSEHOLD_RELATIONS.get(value, value)
            return value
        return None

    def setData(self, index: _Index, value, role: int = EDIT) -> bool:  # noqa: N802 - Qt API
        if not index.isValid() or index.row() >= len(self._rows):
            return False
        col = index.column()
        row = self._rows[index.row()]
        if col in self.CHECK_FIELDS and role == CHECK:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            self._rows[index.row()] = replace(row, **{self.CHECK_FIELDS[col]: checked})
        elif col not in self.CHECK_FIELDS and col != self.WAIVED_COLUMN and role == EDIT:
            text = "" if value is None else str(value)
            if col == self.SEX_COLUMN:
                text = text.strip().upper()[:1]
                if text and text not in SEXES:
                    return False
            if col == self.RELATION_COLUMN and text not in HOUSEHOLD_RELATIONS:
                return False
            self._rows[index.row()] = replace(row, **{self.TEXT_FIELDS[col]: text})
        else:
            return False
        self.dataChanged.emit(index, index, [role])
        return True

    def add_row(self, row: MemberRow | None = None) -> int:
        n = len(self._rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self._rows.append(row or MemberRow())
        self.endInsertRows()
        return n

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def set_waiver(self, row: int, waived: tuple[str, ...], reason: str) -> None:
        """Set the needs waived for the member of ``row`` and why."""
        if 0 <= row < len(self._rows):
            self._rows[row] = replace(self._rows[row], waived=tuple(waived), waiver_reason=reason)
            index = self.index(row, self.WAIVED_COLUMN)
            self.dataChanged.emit(index, index, [DISPLAY])

    def set_rows(self, rows: list[MemberRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[MemberRow]:
        return list(self._rows)

    def inputs(self) -> tuple[MemberInput, ...]:
        """Rows that hold anything, as service inputs (empty trailing rows are ignored)."""
        filled = [r for r in self._rows if r.name.strip() or r.nik.strip() or r.extra.get("person_id")]
        return tuple(r.to_input(i + 1) for i, r in enumerate(filled))

