"""A guard against a reference-counting bug in PySide6 6.12: ``SignalInstance.emit()`` (and
a successful ``disconnect()``) return ``True`` without owning a reference to it, so every
call takes one reference away from the interpreter's ``True``. After a few thousand signals
(a camera preview sends 30 a second) the process aborts with "Fatal Python error:
bool_dealloc: deallocating True or False".

``install()`` measures the loss once, at import of the ``ui`` package, and wraps the two
methods to give back exactly what each call takes. On a PySide without the bug it measures
nothing and changes nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 32
_installed = False


class _Probe(QObject):
    ping = Signal()


def _loss_per_call(call: Callable[[], object]) -> dict[bool, int]:
    """How many references to True and to False one call takes away."""
    before = {True: sys.getrefcount(True), False: sys.getrefcount(False)}
    for _ in range(_PROBES):
        call()
    return {b: round((before[b] - sys.getrefcount(b)) / _PROBES) for b in (True, False)}


def _give_back(loss: dict[bool, int], result: object) -> None:
    if result is True or result is False:
        for _ in range(loss[result]):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))


def install() -> bool:
    """Idempotent. True when a loss was found and the wrappers are in place."""
    global _installed
    if _installed:
        return True
    probe = _Probe()
    emit_loss = _loss_per_call(probe.ping.emit)

    slots = [lambda: None for _ in range(_PROBES)]
    for slot in slots:
        probe.ping.connect(slot)
    pending = list(slots)
    disconnect_loss = _loss_per_call(lambda: probe.ping.disconnect(pending.pop()))
    emit_loss = {b: max(0, n) for b, n in emit_loss.items()}
    disconnect_loss = {b: max(0, n) for b, n in disconnect_loss.items()}
    # Give back what the probes themselves took.
    _give_back({True: emit_loss[True] * _PROBES, False: 0}, True)
    _give_back({True: disconnect_loss[True] * _PROBES, False: 0}, True)
    if not any(emit_loss.values()) and not any(disconnect_loss.values()):
        return False

    original_emit = SignalInstance.emit
    original_disconnect = SignalInstance.disconnect

    def emit(self: SignalInstance, *args: object) -> object:
        result = original_emit(self, *args)
        _give_back(emit_loss, result)
        return result

    def disconnect(self: SignalInstance, *args: object) -> object:
        result = original_disconnect(self, *args)
        _give_back(disconnect_loss, result)
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    SignalInstance.disconnect = disconnect  # type: ignore[method-assign]
    _installed = True
    return True
