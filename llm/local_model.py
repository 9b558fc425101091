"""A GGUF model run on the CPU with llama-cpp-python, for short replies that must be fast.

Two calls: ``warm(prompt)`` evaluates a prompt's tokens ahead of time (the conversation so
far, while the candidate is still talking) and ``generate(prompt, ...)`` yields the reply's
text. Both reuse the evaluated tokens that the new prompt starts with, so a reply to a
prompt that was warmed costs only its last few tokens and the reply itself. One call runs at
a time (the model's context is not shared); both stop early when ``should_stop()`` says so.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llm.model_files import ModelFileError

log = logging.getLogger(__name__)

_WARM_CHUNK = 24  # tokens evaluated between checks of should_stop


def _never() -> bool:
    return False


class ModelLoadError(RuntimeError):
    """The runtime is missing or the model could not be loaded (for instance, too little
    memory)."""


@dataclass(frozen=True)
class ModelInfo:
    name: str  # general.name from the file's metadata, else the file name
    file: str
    sha256: str  # of the file, as shipped (bundled models carry it; others are hashed once)
    licence: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


class LocalModel:
    """A loaded model. ``threads`` is used while replying, ``warm_threads`` while warming (the
    captions run beside it then)."""

    def __init__(
        self,
        path: Path,
        *,
        sha256: str | None = None,
        threads: int = 2,
        warm_threads: int = 1,
        context: int = 2048,
    ) -> None:
        try:
            import llama_cpp
        except ImportError as e:  # pragma: no cover - an incomplete installation
            raise ModelLoadError(
                "the language model runtime (llama-cpp-python) is not installed; run `make setup`"
            ) from e
        if not Path(path).is_file():
            raise ModelFileError(f"no model file at {path}")
        self._lib = llama_cpp
        self.threads = threads
        self.warm_threads = warm_threads
        self._lock = threading.Lock()
        started = time.monotonic()
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=context,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=256,
                seed=7,
                verbose=False,
            )
        except Exception as e:  # llama.cpp reports a failed load as a bare ValueError
            raise ModelLoadError(f"the language model {Path(path).name} could not load: {e}") from e
        self.load_s = time.monotonic() - started
        meta: dict[str, Any] = dict(getattr(self._llm, "metadata", {}) or {})
        self.info = ModelInfo(
            name=str(meta.get("general.name") or Path(path).stem),
            file=Path(path).name,
            sha256=sha256 or file_sha256(Path(path)),
            licence=str(meta.get("general.license") or ""),
        )
        self._eos = {self._llm.token_eos()}
        self._threads_now = threads

    # ------------------------------------------------------------ calls

    def tokenize(self, text: str) -> list[int]:
        # special=True: the template's own markers (<|im_start|>) become their tokens. Text
        # from a candidate is cleaned of such markers before it reaches a prompt.
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def warm(
        self, prompt: str, should_stop: Callable[[], bool] = _never, *, gently: bool = True
    ) -> int:
        """Evaluates ``prompt`` (or the part not yet evaluated); returns the tokens evaluated
        now. ``gently``: on ``warm_threads`` only. Gives way at once when another call holds
        the model."""
        if not self._lock.acquire(blocking=False):
            return 0
        try:
            self._use_threads(self.warm_threads if gently else self.threads)
            tokens = self.tokenize(prompt)
            keep = self._reuse(tokens)
            done = 0
            for i in range(keep, len(tokens), _WARM_CHUNK):
                if should_stop():
                    break
                chunk = tokens[i : i + _WARM_CHUNK]
                self._llm.eval(chunk)
                done += len(chunk)
            return done
        finally:
            self._lock.release()

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 64,
        grammar: str | None = None,
        stop: tuple[str, ...] = (),
        should_stop: Callable[[], bool] = _never,
    ) -> Iterator[str]:
        """Yields the reply's text piece by piece (greedy: the same prompt gives the same
        reply). Stops at the end-of-sequence token, a ``stop`` string, ``max_tokens`` or
        ``should_stop()``."""
        with self._lock:
            self._use_threads(self.threads)
            tokens = self.tokenize(prompt)
            rules = self._lib.LlamaGrammar.from_string(grammar, verbose=False) if grammar else None
            text = ""
            pending = b""
            n = 0
            for token in self._llm.generate(tokens, temp=0.0, repeat_penalty=1.0, grammar=rules):
                if token in self._eos or should_stop():
                    break
                pending += self._llm.detokenize([token])
                try:
                    piece = pending.decode("utf-8")
                except UnicodeDecodeError:
                    continue  # a character split across tokens
                pending = b""
                text += piece
                hit = next((s for s in stop if s in text), None)
                if hit is not None:
                    yield piece[: max(0, len(piece) - (len(text) - text.index(hit)))]
                    break
                yield piece
                n += 1
                if n >= max_tokens:
                    break

    # ------------------------------------------------------------ internals

    def _reuse(self, tokens: list[int]) -> int:
        """Keeps the evaluated tokens ``tokens`` starts with and drops the rest; returns how
        many are kept."""
        llm = self._llm
        have = list(llm.input_ids[: llm.n_tokens])
        keep = 0
        for a, b in zip(have, tokens, strict=False):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1) if tokens else 0  # the last token's logits are needed
        if keep < llm.n_tokens:
            llm._ctx.kv_cache_seq_rm(-1, keep, -1)
            llm.n_tokens = keep
        return keep

    def _use_threads(self, n: int) -> None:
        if n != self._threads_now:
            self._lib.llama_set_n_threads(self._llm.ctx, n, n)
            self._threads_now = n

    def close(self) -> None:
        with self._lock:
            close = getattr(self._llm, "close", None)
            if close is not None:
                close()
