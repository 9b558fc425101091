"""The proctoring station's config file (TOML, or YAML when the name ends in .yaml/.yml).

Every problem is reported as a :class:`StationConfigError` that names the field, so a
proctor can fix the file without reading code; nothing here starts the kiosk, so a bad
file can never leave a station locked.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCHEMA_VERSION = 1
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class StationConfigError(ValueError):
    """A bad station config. ``field`` is the dotted name of the offending field."""

    def __init__(self, field_name: str, message: str, path: Path | None = None) -> None:
        self.field = field_name
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(f"{where}field '{field_name}': {message}")


@dataclass(frozen=True)
class Accommodations:
    """Per-candidate adjustments; the station's defaults can be raised at sign-in."""

    extra_silence_s: float = 0.0  # added to the interview's end-of-turn silence
    extra_time_pct: int = 0  # extra time on every timed question, in percent

    def merged(self, **overrides: Any) -> Accommodations:
        values = {
            "extra_silence_s": self.extra_silence_s,
            "extra_time_pct": self.extra_time_pct,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return _accommodations(values, "accommodations")


@dataclass(frozen=True)
class StationConfig:
    station_id: str
    backend_url: str
    token_file: Path
    data_dir: Path
    interview: Path | None = None  # the interview file every candidate takes
    camera: str = "0"
    microphone: str = "default"
    speaker: str = "default"
    kiosk: bool = True
    proctor_pin: str = ""  # scrypt hash from session.station.pin.hash_pin, never the PIN itself
    pin_max_tries: int = 5
    pin_lockout_s: float = 300.0
    retention_hours: float = 24.0  # keep uploaded media this long after a verified receipt
    face_threshold_s: float = 5.0  # no face / several faces longer than this is a flag
    accommodations: Accommodations = field(default_factory=Accommodations)
    high_contrast: bool = False
    text_scale: float = 1.0
    # Who writes the follow-ups: "local" (the bundled model), "scripted" (the interview's own)
    # or the URL of the organisation's OpenAI-compatible server (key: INTERVIEW_KIOSK_LLM_KEY).
    interviewer: str = "local"
    # A CTranslate2 Whisper model folder for captions and the final transcript; None: the
    # bundled ones (tiny.en for English, whisper-base for other languages).
    whisper_model: Path | None = None
    source: Path | None = None  # the file this was read from

    @property
    def retention_s(self) -> float:
        return self.retention_hours * 3600.0

    @property
    def attempts_dir(self) -> Path:
        return self.data_dir / "attempts"

    def read_token(self) -> str:
        """The station's backend token; raises StationConfigError naming token_file."""
        try:
            token = self.token_file.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise StationConfigError(
                "token_file", f"cannot read {self.token_file}: {e.strerror}", self.source
            ) from e
        if not token:
            raise StationConfigError("token_file", f"{self.token_file} is empty", self.source)
        return token


def _req(data: dict[str, Any], name: str, kind: type, path: Path | None) -> Any:
    if name not in data:
        raise StationConfigError(name, "is missing", path)
    return _typed(data[name], name, kind, path)


def _typed(value: Any, name: str, kind: type, path: Path | None) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # camera = 0 is natural to write
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise StationConfigError(
            name, f"must be {kind.__name__} (got {type(value).__name__} {value!r})", path
        )
    return value


def _accommodations(raw: Any, name: str, path: Path | None = None) -> Accommodations:
    if not isinstance(raw, dict):
        raise StationConfigError(name, "must be a table", path)
    known = {"extra_silence_s", "extra_time_pct"}
    for key in raw:
        if key not in known:
            raise StationConfigError(f"{name}.{key}", "is not a known accommodation", path)
    silence = _typed(raw.get("extra_silence_s", 0.0), f"{name}.extra_silence_s", float, path)
    if not 0.0 <= silence <= 10.0:
        raise StationConfigError(
            f"{name}.extra_silence_s", f"must be between 0 and 10 s (got {silence})", path
        )
    extra = _typed(raw.get("extra_time_pct", 0), f"{name}.extra_time_pct", int, path)
    if not 0 <= extra <= 200:
        raise StationConfigError(
            f"{name}.extra_time_pct", f"must be between 0 and 200 (got {extra})", path
        )
    return Accommodations(extra_silence_s=silence, extra_time_pct=extra)


_KNOWN = {
    "schema_version",
    "station_id",
    "backend_url",
    "token_file",
    "data_dir",
    "interview",
    "camera",
    "microphone",
    "speaker",
    "kiosk",
    "proctor_pin",
    "pin_max_tries",
    "pin_lockout_s",
    "retention_hours",
    "accommodations",
    "high_contrast",
    "text_scale",
    "face_threshold_s",
    "interviewer",
    "whisper_model",
}


def parse_station(data: Any, path: Path | None = None) -> StationConfig:
    """Validates a parsed mapping. Relative paths are relative to the file's folder."""
    if not isinstance(data, dict):
        raise StationConfigError("(top level)", "must be a table of settings", path)
    for key in data:
        if key not in _KNOWN:
            raise StationConfigError(str(key), "is not a known setting (typo?)", path)
    version = _typed(data.get("schema_version", SCHEMA_VERSION), "schema_version", int, path)
    if version != SCHEMA_VERSION:
        raise StationConfigError(
            "schema_version", f"this app reads version {SCHEMA_VERSION} (got {version})", path
        )
    base = path.parent if path else Path.cwd()

    def _path(name: str, value: str) -> Path:
        if not value.strip():
            raise StationConfigError(name, "is empty", path)
        p = Path(value).expanduser()
        return p if p.is_absolute() else (base / p)

    station_id = _req(data, "station_id", str, path)
    if not _ID_RE.match(station_id):
        raise StationConfigError(
            "station_id", f"use letters, digits, '-', '_' or '.' (got {station_id!r})", path
        )
    url = _req(data, "backend_url", str, path).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise StationConfigError(
            "backend_url", f"must start with http:// or https:// (got {url!r})", path
        )
    kiosk = _typed(data.get("kiosk", True), "kiosk", bool, path)
    pin = _typed(data.get("proctor_pin", ""), "proctor_pin", str, path)
    if pin:
        from session.station.pin import PinFormatError, parse_hash

        try:
            parse_hash(pin)
        except PinFormatError as e:
            raise StationConfigError("proctor_pin", str(e), path) from e
    elif kiosk:
        raise StationConfigError(
            "proctor_pin",
            "is missing: kiosk mode needs a proctor PIN (python main.py station init --pin ...)",
            path,
        )
    tries = _typed(data.get("pin_max_tries", 5), "pin_max_tries", int, path)
    if not 1 <= tries <= 20:
        raise StationConfigError("pin_max_tries", f"must be 1 to 20 (got {tries})", path)
    lockout = _typed(data.get("pin_lockout_s", 300.0), "pin_lockout_s", float, path)
    if not 1 <= lockout <= 86400:
        raise StationConfigError("pin_lockout_s", f"must be 1 to 86400 s (got {lockout})", path)
    retention = _typed(data.get("retention_hours", 24.0), "retention_hours", float, path)
    if retention < 0:
        raise StationConfigError("retention_hours", f"must be 0 or more (got {retention})", path)
    face_s = _typed(data.get("face_threshold_s", 5.0), "face_threshold_s", float, path)
    if not 1 <= face_s <= 120:
        raise StationConfigError("face_threshold_s", f"must be 1 to 120 s (got {face_s})", path)
    scale = _typed(data.get("text_scale", 1.0), "text_scale", float, path)
    if not 0.8 <= scale <= 3.0:
        raise StationConfigError("text_scale", f"must be between 0.8 and 3 (got {scale})", path)
    interviewer = _typed(data.get("interviewer", "local"), "interviewer", str, path).strip()
    if interviewer not in ("local", "scripted") and not interviewer.startswith(
        ("http://", "https://")
    ):
        raise StationConfigError(
            "interviewer",
            f'must be "local", "scripted" or a server URL like http://host:8080/v1 '
            f"(got {interviewer!r})",
            path,
        )
    interview = data.get("interview")
    whisper = data.get("whisper_model")
    whisper_model = None
    if whisper is not None:
        whisper_model = _path("whisper_model", _typed(whisper, "whisper_model", str, path))
        if not (whisper_model / "model.bin").is_file():
            raise StationConfigError(
                "whisper_model",
                f"{whisper_model} holds no CTranslate2 Whisper model (model.bin missing)",
                path,
            )
    return StationConfig(
        station_id=station_id,
        backend_url=url,
        token_file=_path("token_file", _req(data, "token_file", str, path)),
        data_dir=_path("data_dir", _req(data, "data_dir", str, path)),
        interview=_path("interview", _typed(interview, "interview", str, path))
        if interview is not None
        else None,
        camera=_typed(data.get("camera", "0"), "camera", str, path),
        microphone=_typed(data.get("microphone", "default"), "microphone", str, path),
        speaker=_typed(data.get("speaker", "default"), "speaker", str, path),
        kiosk=kiosk,
        proctor_pin=pin,
        pin_max_tries=tries,
        pin_lockout_s=lockout,
        retention_hours=retention,
        face_threshold_s=face_s,
        accommodations=_accommodations(data.get("accommodations", {}), "accommodations", path),
        high_contrast=_typed(data.get("high_contrast", False), "high_contrast", bool, path),
        text_scale=scale,
        interviewer=interviewer,
        whisper_model=whisper_model,
        source=path,
    )


def load_station(path: Path | str) -> StationConfig:
    """Reads and validates a station file; every failure is a StationConfigError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise StationConfigError("(file)", f"cannot read {p}: {e.strerror}", p) from e
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise StationConfigError("(syntax)", f"not valid {p.suffix[1:] or 'TOML'}: {e}", p) from e
    return parse_station(data, p)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def dump_station(cfg: StationConfig) -> str:
    """TOML text for a config; load_station(dump) gives the same config back."""
    top = {
        "schema_version": SCHEMA_VERSION,
        "station_id": cfg.station_id,
        "backend_url": cfg.backend_url,
        "token_file": str(cfg.token_file),
        "data_dir": str(cfg.data_dir),
        **({"interview": str(cfg.interview)} if cfg.interview else {}),
        "camera": cfg.camera,
        "microphone": cfg.microphone,
        "speaker": cfg.speaker,
        "kiosk": cfg.kiosk,
        "proctor_pin": cfg.proctor_pin,
        "pin_max_tries": cfg.pin_max_tries,
        "pin_lockout_s": cfg.pin_lockout_s,
        "retention_hours": cfg.retention_hours,
        "face_threshold_s": cfg.face_threshold_s,
        "high_contrast": cfg.high_contrast,
        "text_scale": cfg.text_scale,
        "interviewer": cfg.interviewer,
        **({"whisper_model": str(cfg.whisper_model)} if cfg.whisper_model else {}),
    }
    lines = ["# Interview Kiosk station config (python main.py station check FILE validates it)"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    lines += [
        "",
        "[accommodations]  # defaults; the proctor can raise them per candidate at sign-in",
        f"extra_silence_s = {cfg.accommodations.extra_silence_s!r}",
        f"extra_time_pct = {cfg.accommodations.extra_time_pct!r}",
    ]
    return "\n".join(lines) + "\n"
