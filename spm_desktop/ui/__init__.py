"""PySide6 front end. The only package that may import Qt."""

from spm_desktop.ui import qt_fixes  # noqa: F401  (work-arounds for the installed PySide6, see module)
