"""Which brain an interview gets, from one setting: ``scripted``, ``local`` (the bundled model
that fits this machine's memory) or the URL of an organisation's OpenAI-compatible server.

A brain that cannot be had (no model file, too little memory, a broken runtime) is never a
reason to stop an interview: the scripted brain takes over and ``notice`` says why, once, in
words an operator can act on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from llm.model_files import MODELS, QWEN_0_5B, QWEN_1_5B, BundledModel, ModelFileError, model_path
from session.interview.brain.scripted import ScriptedBrain
from session.interview.brain.turn import Brain

log = logging.getLogger(__name__)

CHOICES = ("scripted", "local", "URL of an OpenAI-compatible server")


@dataclass(frozen=True)
class BrainChoice:
    brain: Brain
    notice: str = ""  # why the brain asked for is not the one used; "" when it is


def fitting_model(total_ram_gb: float | None = None) -> BundledModel:
    """The larger model where the machine has the memory for it, else the smaller one."""
    if total_ram_gb is None:
        import psutil

        total_ram_gb = psutil.virtual_memory().total / 2**30
    return QWEN_1_5B if total_ram_gb >= QWEN_1_5B.min_ram_gb else QWEN_0_5B


def valid(spec: str) -> bool:
    s = spec.strip().lower()
    return s in ("scripted", "local") or s.startswith(("http://", "https://")) or s in MODELS


def make_brain(
    spec: str = "local",
    *,
    models_dir: Path | None = None,
    model: BundledModel | None = None,
    timeout_s: float = 2.5,
    threads: int = 2,
) -> BrainChoice:
    """The brain ``spec`` names, or the scripted one with a notice saying why not."""
    s = spec.strip()
    if s.lower() == "scripted":
        return BrainChoice(ScriptedBrain())
    if s.lower().startswith(("http://", "https://")):
        from llm.openai_compatible import Endpoint
        from session.interview.brain.model_brain import RemoteBrain

        return BrainChoice(RemoteBrain(Endpoint.from_env(s), timeout_s=timeout_s))
    if s.lower() != "local" and s not in MODELS:
        return _scripted(f"the interviewer setting {spec!r} is not one of {', '.join(CHOICES)}")
    chosen = MODELS.get(s) or model or fitting_model()
    try:
        from llm.local_model import LocalModel, ModelLoadError
    except ImportError as e:  # pragma: no cover - an incomplete installation
        return _scripted(f"the language model runtime is missing ({e}); run `make setup`")
    try:
        path = model_path(chosen, models_dir)
        local = LocalModel(path, sha256=chosen.sha256, threads=threads)
    except (ModelFileError, ModelLoadError, MemoryError) as e:
        return _scripted(str(e))
    from session.interview.brain.model_brain import LocalBrain

    log.info("interviewer model %s loaded in %.1f s", chosen.title, local.load_s)
    return BrainChoice(LocalBrain(local))


def _scripted(why: str) -> BrainChoice:
    notice = (
        f"The AI interviewer is not available ({why}); "
        "the interview's own follow-up questions are used instead."
    )
    log.warning("%s", notice)
    return BrainChoice(ScriptedBrain(), notice)
