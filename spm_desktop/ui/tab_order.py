"""Tab order that follows the form as it is laid out, not the order widgets were created in.

Qt chains widgets for Tab in creation order: a dialog base class that makes its OK/Batal
buttons before the subclass adds its fields starts with the focus on OK, and detail fields
built when a service type is chosen come after the page's Save button. :func:`set_tab_order`
walks the layouts (form rows top to bottom, label then field; box layouts in their
direction; grids row by row; splitters, tab and stacked pages, scroll areas in order) and
chains the focusable widgets explicitly in that order. :func:`focus_first_field` puts the
focus on the first field, never on a button.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QBoxLayout,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLayout,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from spm_desktop.ui.app_events import app_events


def _takes_tab(widget: QWidget) -> bool:
    target = widget.focusProxy() or widget
    return bool(target.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _layout_items(layout: QLayout) -> list:
    if isinstance(layout, QFormLayout):
        items = []
        for row in range(layout.rowCount()):
            for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole,
                         QFormLayout.ItemRole.SpanningRole):
                item = layout.itemAt(row, role)
                if item is not None:
                    items.append(item)
        return items
    items = [layout.itemAt(i) for i in range(layout.count())]
    if isinstance(layout, QGridLayout):
        order = sorted(range(layout.count()), key=lambda i: layout.getItemPosition(i)[:2])
        return [items[i] for i in order]
    if isinstance(layout, QBoxLayout) and layout.direction() in (QBoxLayout.Direction.RightToLeft,
                                                                 QBoxLayout.Direction.BottomToTop):
        return items[::-1]
    return items


def _from_layout(layout: QLayout, out: list[QWidget]) -> None:
    for item in _layout_items(layout):
        if item.widget() is not None:
            _from_widget(item.widget(), out)
        elif item.layout() is not None:
            _from_layout(item.layout(), out)


def _from_widget(widget: QWidget, out: list[QWidget]) -> None:
    explicitly_hidden = widget.isHidden() and widget.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
    if widget.isWindow() or explicitly_hidden:
        return  # a separate window, or hidden on purpose (a role's button; not one just added)
    if isinstance(widget, QTabWidget):
        out.append(widget.tabBar())
        for i in range(widget.count()):
            _from_widget(widget.widget(i), out)
        return
    if isinstance(widget, QScrollArea) and widget.widget() is not None:
        _from_widget(widget.widget(), out)
        return
    if isinstance(widget, (QSplitter, QStackedWidget)):
        for i in range(widget.count()):
            _from_widget(widget.widget(i), out)
        return
    if _takes_tab(widget) and (widget.focusProxy() is None or widget.layout() is None):
        out.append(widget)
        if isinstance(widget, QAbstractScrollArea) or widget.layout() is None:
            return
    if widget.layout() is not None:
        _from_layout(widget.layout(), out)
    elif widget.focusProxy() is not None and widget.focusProxy() not in out:
        out.append(widget.focusProxy())


def tab_chain(root: QWidget) -> list[QWidget]:
    """The focusable widgets of ``root`` in layout order (what Tab should visit)."""
    out: list[QWidget] = []
    if root.layout() is not None:
        _from_layout(root.layout(), out)
    seen, chain = set(), []
    for widget in out:
        target = widget.focusProxy() or widget
        if id(target) not in seen and target.window() is root.window():
            seen.add(id(target))
            chain.append(target)
    return chain


def set_tab_order(root: QWidget) -> list[QWidget]:
    """Chain Tab through ``root``'s focusable widgets in layout order; returns the chain."""
    chain = tab_chain(root)
    for first, second in zip(chain, chain[1:], strict=False):
        QWidget.setTabOrder(first, second)
    return chain


def is_field(widget: QWidget) -> bool:
    """Something a person fills in (a check box or option counts; a push button does not)."""
    return not isinstance(widget, QAbstractButton) or isinstance(widget, (QCheckBox, QRadioButton))


def focus_first_field(root: QWidget) -> QWidget | None:
    """Focus the first enabled, editable field of ``root`` in layout order (never OK/Batal)."""
    for widget in tab_chain(root):
        read_only = getattr(widget, "isReadOnly", lambda: False)()
        if is_field(widget) and widget.isEnabled() and widget.isVisibleTo(root) and not read_only:
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            return widget
    return None


class TabKeys(QObject):
    """Ctrl+Tab / Ctrl+Shift+Tab switch the tab of the nearest tab widget wherever the focus is.

    QTabWidget switches on those keys only when the key press reaches it; a date or time field
    (QAbstractSpinBox, also its inner line edit) accepts Tab with Ctrl to move between its
    sections, so with the focus there the keys did nothing (seen on the Pengaduan page, whose
    forms start with a date). And right after a page is chosen (Ctrl+0, the page list) the
    focus is still outside the page: the keys then switch the page's own tabs (a QTabWidget
    directly on the window's current page)."""

    def handle(self, watched: QObject, event: QEvent) -> bool:
        """A key press anywhere in the application (``app_events``); True when it switched tabs."""
        if not isinstance(watched, QWidget):
            return False
        key, mods = event.key(), event.modifiers()
        if key not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) or not mods & Qt.KeyboardModifier.ControlModifier:
            return False
        if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier):
            return False
        tabs = _enclosing_tabs(watched)
        if tabs is None:
            tabs = _page_tabs(watched)
        elif not _in_spin_box(watched):
            return False  # everything else inside a tab widget passes the keys on to it
        if tabs is None or not tabs.isVisible():
            return False
        step = -1 if key == Qt.Key.Key_Backtab or mods & Qt.KeyboardModifier.ShiftModifier else 1
        count, index = tabs.count(), tabs.currentIndex()
        for _ in range(count):
            index = (index + step) % count
            if tabs.isTabEnabled(index) and tabs.isTabVisible(index):
                tabs.setCurrentIndex(index)
                break
        return True


def _in_spin_box(widget: QWidget) -> bool:
    return isinstance(widget, QAbstractSpinBox) or isinstance(widget.parentWidget(), QAbstractSpinBox)


def _enclosing_tabs(widget: QWidget) -> QTabWidget | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QTabWidget):
            return parent
        if parent.isWindow():
            return None
        parent = parent.parentWidget()
    return None


def _page_tabs(widget: QWidget) -> QTabWidget | None:
    """The tabs of the page the window shows (``current_page()``), when they are its own."""
    current = getattr(widget.window(), "current_page", None)
    page = current() if callable(current) else None
    if page is None or widget is page or page.isAncestorOf(widget):
        return None  # inside the page but outside its tabs: not ours to take
    found = page.findChildren(QTabWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return found[0] if found else None


def install_tab_keys(app: QObject) -> TabKeys:
    keys = TabKeys(app)
    app_events(app).on((QEvent.Type.KeyPress,), keys.handle, keys)
    return keys
