"""Qt windows, pages and widgets, and the bridge that turns core callbacks into signals."""

from ui.qt import compat as qt_compat

qt_compat.install()  # before any signal is emitted; see qt_compat for why
