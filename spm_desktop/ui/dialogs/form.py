"""The one frame of the application's form dialogs (cases, disasters, families, login and the
other credential dialogs, users and passwords, referral feedback, letters).

A ``FormDialog`` is an optional intro line, a form, room below it (``body``), one message
line and OK (or Simpan)/Batal. Its behaviour is the same everywhere:

* OK (Enter on a field, or Ctrl+S) calls ``submit()``. A check made in the GUI before anything
  is sent (``problem()``: two passwords that differ) is shown like a refusal; otherwise the
  input goes to a core service on the runner: ``service(value())`` when the dialog was given
  one, or the subclass's own ``run(fn, ...)``. The buttons wait while it runs, and the dialog
  closes with ``result_value`` when it succeeds. Without a service OK closes the dialog and
  ``value()`` is what was typed.
* A refusal is shown by ``show_refusal`` and the dialog stays open with everything typed: the
  sentence in the message line in the error colour of :mod:`ui.widgets` (a ``ValidationError``
  lists each of its ``FieldError`` messages there), the focus on the field of the first error
  (``field_widget``: the widget attribute named like the service's field, or renamed in
  ``FIELDS``). An unexpected error shows the general sentence naming the log (the runner has
  logged it).
* Esc and Batal cancel.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from spm_desktop.core.domain.errors import DomainError, ValidationError
from spm_desktop.ui.errors import user_message
from spm_desktop.ui.icons import app_icon
from spm_desktop.ui.runner import Runner
from spm_desktop.ui.widgets import MessageLabel, shortcut


class FormDialog(QDialog):
    """Intro, form, body, message line, OK/Batal; see the module's description."""

    # A service's field name -> the name of the attribute holding its widget, where they differ.
    FIELDS: dict[str, str] = {}
    WORKING = "Menyimpan…"  # said in the message line while the input is with the runner

    def __init__(self, runner: Runner | None, parent: QWidget | None = None, *, title: str = "",
                 ok_text: str = "", save: bool = False, service=None) -> None:
        super().__init__(parent)
        self.runner, self.service = runner, service
        self.result_value = None
        if title:
            self.setWindowTitle(title)
        self.setWindowIcon(app_icon())
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.hide()
        self.form = QFormLayout()
        self.body = QVBoxLayout()
        self.message = MessageLabel()
        self.message.setObjectName("errorMessage")
        self.ok_role = QDialogButtonBox.StandardButton.Save if save else QDialogButtonBox.StandardButton.Ok
        self.buttons = QDialogButtonBox(self.ok_role | QDialogButtonBox.StandardButton.Cancel)
        if ok_text:
            self.ok_button().setText(ok_text)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        shortcut(self, QKeySequence.StandardKey.Save, self._save_key)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.intro)
        self.layout_.addLayout(self.form, 1)
        self.layout_.addLayout(self.body)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)

    def ok_button(self) -> QPushButton:
        return self.buttons.button(self.ok_role)

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.setVisible(bool(text))

    # --- submitting -------------------------------------------------------------------
    def problem(self) -> str | ValidationError:
        """What is wrong with the input before it is sent anywhere: "" when nothing, a sentence,
        or a ValidationError naming the field to correct."""
        return ""

    def value(self):
        """The form's content as the service's input (subclasses)."""
        return None

    @Slot()
    def submit(self) -> None:
        """OK: ``service(value())`` on the runner, or without a service close with what was typed."""
        if not self.checked():
            return
        if self.service is None:
            self.accept()
            return
        try:
            value = self.value()
        except DomainError as exc:  # the form cannot even be read as the service's input
            self.show_refusal(exc)
            return
        self.run(self.service, value)

    def checked(self) -> bool:
        """False (and the problem shown like a refusal) when ``problem()`` finds one."""
        problem = self.problem()
        if problem:
            self.show_refusal(problem)
        return not problem

    @Slot()
    def _save_key(self) -> None:
        if self.buttons.isEnabled() and self.ok_button().isEnabled():  # not while a job runs
            self.submit()

    def exec_for_result(self):
        """Show modally; ``result_value`` once the dialog was accepted, None when cancelled."""
        return self.result_value if self.exec() == QDialog.DialogCode.Accepted else None

    def run(self, fn, *args, **kwargs) -> None:
        """``fn(*args, **kwargs)`` on the runner; the dialog closes with its result."""
        self.busy(True)
        self.runner.submit(fn, *args, on_done=self._done, on_error=self._refused, parent=self, **kwargs)

    def busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        if busy:
            self.message.fine(self.WORKING)

    @Slot(object)
    def _done(self, value) -> None:
        self.result_value = value
        self.accept()

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self.show_refusal(error)

    # --- refusals ---------------------------------------------------------------------
    def show_refusal(self, error: BaseException | str) -> None:
        """The refusal beside the form, the first wrong field focused, the buttons back."""
        self.busy(False)
        self.message.problem(user_message(error))
        field = ""
        if isinstance(error, ValidationError):
            field = error.errors[0].field
        elif isinstance(error, DomainError):
            field = error.field
        widget = self.field_widget(field)
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def field_widget(self, field: str) -> QWidget | None:
        """The widget where the service's ``field`` is typed, or None."""
        if not field:
            return None
        widget = getattr(self, self.FIELDS.get(field, field), None)
        return widget if isinstance(widget, QWidget) else None
