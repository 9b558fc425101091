"""Help: troubleshooting in plain words, and the "Save support report" button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

HELP_HTML = """
<h2>Help</h2>

<h3>The camera or microphone does not work</h3>
<p>Close other apps that may be using them (video calls, recorders), check that the camera is
plugged in and its cover is open, then press <b>Check again</b>.</p>
<ul>
<li><b>Windows:</b> Start &rarr; Settings &rarr; Privacy &amp; security &rarr; Camera (and
Microphone). Turn on <i>Let desktop apps access your camera</i> (and microphone).</li>
<li><b>macOS:</b> Apple menu &rarr; System Settings &rarr; Privacy &amp; Security &rarr;
Camera (and Microphone). Turn on Interview Kiosk, then quit and open the app again.</li>
<li><b>Linux:</b> make sure your user may use the camera (the <i>video</i> group) and that
the right microphone is chosen and not muted in your sound settings.</li>
</ul>

<h3>I can't hear the interviewer</h3>
<p>Turn the volume up, unmute the speakers or headphones, and choose the right output in
your system's sound settings. Then press <b>Play test sound</b> again.</p>

<h3>The connection was lost</h3>
<p>Keep going. Your interview is recorded on this computer and sent when the connection
comes back. If you close the app, the upload continues the next time you open it. Nothing
you said is lost.</p>

<h3>The app closed during the interview</h3>
<p>Open it again. You will be offered to <b>resume from the question you were on</b> or to
<b>finish and submit</b> what was recorded.</p>

<h3>Retakes and practice</h3>
<p>You may take an interview up to the number of times shown on the first page. A practice
interview is never shared with anyone and does not count as a retake.</p>

<h3>Contact support</h3>
<p>Press <b>Save support report</b> below. It saves a small file with the app's logs, your
device names and check results, and a picture of this window. It never contains your
recording. Send that file to the contact given in your invitation email.</p>
"""


class HelpDialog(QDialog):
    """``save_report`` is called when the candidate presses "Save support report"."""

    def __init__(
        self, parent: QWidget | None = None, save_report: Callable[[], None] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Help")
        self.setAccessibleName("Help")
        self.resize(620, 560)
        text = QTextBrowser(self)
        text.setHtml(HELP_HTML)
        text.setOpenExternalLinks(False)
        text.setAccessibleName("Troubleshooting help")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.report_button = QPushButton("&Save support report", self)
        self.report_button.setAccessibleDescription(
            "Saves logs, device list, check results and a screenshot; never your recording"
        )
        buttons.addButton(self.report_button, QDialogButtonBox.ButtonRole.ActionRole)
        if save_report is not None:
            self.report_button.clicked.connect(save_report)
        else:
            self.report_button.hide()
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(buttons)
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus(
            Qt.FocusReason.OtherFocusReason
        )
