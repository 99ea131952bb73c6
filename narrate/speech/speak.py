"""Speak. Each scene's narration, sentence by sentence, as one WAV per scene.

Every sentence is its own utterance (a clip, cached on its own), so its start and end in the
scene are measured, not estimated, and the pauses between sentences (longer between
paragraphs) are ours to set. Editing one sentence re-speaks only that sentence.
"""

from __future__ import annotations

import hashlib
import shutil
import wave
from collections.abc import Callable
from pathlib import Path

from narrate.article.sentences import Sentence, split_sentences
from narrate.cache import Cache, make_key, place
from narrate.errors import NarrateError
from narrate.models import Scene, Script, Settings, Speech, SpokenSentence, WordMark
from narrate.speech.clips import Clip, Voicing, clip_for, prepare_clip
from narrate.speech.engine import TTSEngine, resolve_voice
from narrate.speech.quoting import Quoted, quoted_spans
from narrate.speech.timing import DELIVERY_RATE, frame_unit, lead_samples, pause_after


def speak(
    script: Script,
    settings: Settings,
    engine: TTSEngine,
    folder: Path,
    cache: Cache | None = None,
    advance: Callable[[], None] | None = None,
    spoken: Callable[[int, Speech], None] | None = None,
    order: list[int] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> list[Speech]:
    """Each scene's narration as folder/NN.wav with its sentences timed, in scene order.
    Scenes are spoken in `order` (numbers from 1; default: scene order); `spoken` hears of
    each scene as soon as it is done, so its sound can be processed meanwhile. A sentence
    the engine gives no usable speech for is said as well as it can be, and `warn` hears
    of it (clips.stand_in)."""
    how = voicing(settings, engine, folder, cache or Cache(None), warn, script.language)
    folder.mkdir(parents=True, exist_ok=True)
    speeches: dict[int, Speech] = {}
    for number in order or range(1, len(script.scenes) + 1):

        def done(speech: Speech, number: int = number) -> None:
            if advance:
                advance()
            if spoken:
                spoken(number, speech)

        scene, path = script.scenes[number - 1], folder / f"{number:02d}.wav"
        speeches[number] = speak_scene(scene, settings, how, path, done)
    shutil.rmtree(how.folder, ignore_errors=True)
    return [speeches[number] for number in range(1, len(script.scenes) + 1)]


def voicing(
    settings: Settings,
    engine: TTSEngine,
    folder: Path,
    cache: Cache,
    warn: Callable[[str], None] = lambda message: None,
    language: str | None = None,
) -> Voicing:
    """How speak() says the sentences of an article in `language`; their clips are made in
    folder/.clips."""
    voice = resolve_voice(engine, settings.voice)
    clips = folder / ".clips"
    lexicon = settings.lexicon
    quote_voice = quote_voice_for(engine, settings.quote_voice, language)
    return Voicing(voice, settings.rate, engine, clips, cache, lexicon, warn, language, quote_voice)


def quote_voice_for(engine: TTSEngine, requested: str | None, language: str | None) -> str | None:
    """The voice --quote-voice names, as resolve_voice finds it (variants too: en-us+f3);
    None when none is asked for. An engine with one voice has none to spare: one line."""
    if requested is None or not requested.strip():
        return None
    voices = engine.voices()
    if len(voices) == 1 and not list(getattr(engine, "variants", list)()):
        raise NarrateError(
            f"--quote-voice {requested}: the {engine.name} engine has one voice "
            f"({voices[0].id}), so quotations have none of their own; a second voice needs "
            "--engine pyttsx3 (e.g. --quote-voice en-us+f3)"
        )
    try:
        return resolve_voice(engine, requested, language)
    except NarrateError as exc:
        raise NarrateError(f"--quote-voice {requested}: {exc}") from None


def prepare(
    script: Script, settings: Settings, engine: TTSEngine, folder: Path, cache: Cache
) -> tuple[set[int], set[int]]:
    """The scenes (numbered from 1) with a sentence that is not in the cache, and those
    whose sentences were started now, in scene order, by an engine that works on its own
    (the default engine, in its worker process)."""
    how = voicing(settings, engine, folder, cache, language=script.language)
    fresh, started = set(), set()
    for number, scene in enumerate(script.scenes, start=1):
        sentences = split_sentences(scene.narration)
        for sentence, quoted in zip(sentences, quotations(scene, sentences, how), strict=True):
            missing, ahead = prepare_clip(sentence.text, how, quoted)
            if missing:
                fresh.add(number)
            if ahead:
                started.add(number)
    return fresh, started


def speak_scene(
    scene: Scene,
    settings: Settings,
    how: Voicing,
    path: Path,
    done: Callable[[Speech], None] = lambda speech: None,
) -> Speech:
    """The scene's speech: from the cache when every sentence and pause is as before, else
    put together from its sentences' clips (each from the cache, or spoken). `done` hears
    of it before it is stored in the cache."""
    sentences, cache = split_sentences(scene.narration), how.cache
    quoted = quotations(scene, sentences, how)
    key = make_key(
        "speech",
        clips=[how.key(s.text, q) for s, q in zip(sentences, quoted, strict=True)],
        paragraphs=[s.ends_paragraph for s in sentences],
        pauses=(settings.sentence_pause, settings.paragraph_pause, settings.lead_in),
        joins=DELIVERY_RATE,  # the joins fall on whole AAC frames of the delivered sound
    )
    # The WAV is linked into place, not read: only its timing is.
    entry = cache.get("speech", key, "wav")
    if entry is not None and (timing := cache.read("timing", key, "json")) is not None:
        place(entry, path)
        speech = Speech.model_validate_json(timing).model_copy(update={"path": path})
        done(speech)
        return speech
    clips = [clip_for(s.text, how, q) for s, q in zip(sentences, quoted, strict=True)]
    speech = assemble_speech(sentences, clips, settings, path)
    done(speech)  # its sound can be encoded while it is stored
    if cache.enabled and not any(clip.problem for clip in clips):  # a stand-in: not kept
        cache.put("speech", key, "wav", path)
        cache.put_bytes("timing", key, "json", speech.model_dump_json().encode())
    return speech


def assemble_speech(
    sentences: list[Sentence], clips: list[Clip], settings: Settings, path: Path
) -> Speech:
    """The sentences' clips joined with their pauses, timed, and written to `path` as a WAV."""
    rate = clips[0].sample_rate
    lead, unit = lead_samples(settings, rate), frame_unit(rate)
    pieces: list[bytes] = []
    spoken: list[SpokenSentence] = []
    joins: list[int] = []
    offset = 0  # samples
    for index, (sentence, clip) in enumerate(zip(sentences, clips, strict=True)):
        if clip.sample_rate != rate:
            raise ValueError(f"clips at {clip.sample_rate} and {rate} Hz in one scene")
        spoken.append(timed_sentence(sentence.text, clip, offset / rate))
        pieces.append(clip.samples)
        offset += len(clip.samples) // 2
        if index < len(clips) - 1:
            pause = settings.paragraph_pause if sentence.ends_paragraph else settings.sentence_pause
            gap, join = pause_after(offset, round(pause * rate), lead, unit)
            joins += [join] if join is not None else []
            pieces.append(b"\x00\x00" * gap)
            offset += gap
    pcm = b"".join(pieces)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return Speech(
        path=path,
        duration=offset / rate,
        sample_rate=rate,
        digest=hashlib.sha256(f"{rate}:".encode() + pcm).hexdigest()[:16],
        sentences=spoken,
        joins=joins,
    )


def quotations(scene: Scene, sentences: list[Sentence], how: Voicing) -> list[Quoted]:
    """Each sentence's quoted spans, when a quote voice says them (else none)."""
    if how.quote_voice is None or not scene.quotes:
        return [() for _ in sentences]
    return quoted_spans([s.text for s in sentences], scene.quotes)


def timed_sentence(text: str, clip: Clip, start: float) -> SpokenSentence:
    """A sentence placed at `start` seconds into the scene's speech."""
    first_word = clip.words[0].start if clip.words else 0.0
    return SpokenSentence(
        text=text,
        spoken=clip.spoken,
        start=round(start + min(first_word, clip.duration), 4),
        end=round(start + clip.duration, 4),
        words=[
            WordMark(start=round(start + w.start, 4), char_start=w.char_start, char_end=w.char_end)
            for w in clip.words
        ],
        parts=[part.shifted(start, 4) for part in clip.parts],
    )
