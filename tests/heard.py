"""An engine listener built from a few functions, for tests that hear only some events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from session.interview.listener import EngineListener, QuietListener

_EVENTS = frozenset(n for n in vars(EngineListener) if n.startswith("on_"))


class Heard(QuietListener):
    """``Heard(on_line=f, on_state=g)``: those events go to ``f`` and ``g``, the rest to
    nothing. A name that is not an engine event is a mistake in the test."""

    def __init__(self, **handlers: Callable[..., Any]) -> None:
        unknown = sorted(set(handlers) - _EVENTS)
        if unknown:
            raise TypeError(f"not an engine event: {unknown}")
        for name, handler in handlers.items():
            setattr(self, name, handler)
