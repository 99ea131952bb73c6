"""Narration with the real pyttsx3/espeak-ng engine, and the checks around any engine."""

import wave

import pytest

from narrate.errors import NarrateError
from narrate.models import Scene, Script, Settings
from narrate.speech.engine import WavProblem, check_wav, resolve_voice, synthesize_checked
from narrate.speech.speak import speak
from tests.conftest import FakeEngine, write_tone

SHORT = "Hello there."
LONG = " ".join(["The committee met again on Tuesday to discuss the budget in detail."] * 6)
MEDIUM = " ".join(["The committee met again on Tuesday to discuss the budget in detail."] * 2)


def test_real_engine_scene_n_audio_is_scene_n_text(tmp_path, real_engine, capfd):
    # Regression: pyttsx3 2.99 can return from runAndWait before the WAV is written, and
    # back-to-back save_to_file calls then put audio under the wrong name. Durations in the
    # order of the texts prove each file holds its own scene's speech.
    script = Script(
        title="T",
        scenes=[
            Scene(heading=f"S{i}", narration=t) for i, t in enumerate([SHORT, LONG, MEDIUM, SHORT])
        ],
    )
    speeches = speak(script, Settings(voice="en-us", rate=175), real_engine, tmp_path)
    durations = [s.duration for s in speeches]
    assert [s.path.name for s in speeches] == ["01.wav", "02.wav", "03.wav", "04.wav"]
    assert durations[1] > 2.2 * durations[2] and durations[2] > 2 * durations[0]
    assert abs(durations[0] - durations[3]) < 0.3
    per_word = [d / len(t.split()) for d, t in zip(durations[1:3], [LONG, MEDIUM], strict=False)]
    assert abs(per_word[0] - per_word[1]) / per_word[1] < 0.15  # proportional to the text
    assert "Audio saved" not in capfd.readouterr().out  # pyttsx3's chatter is swallowed


def test_real_engine_rate_changes_duration(tmp_path, real_engine):
    script = Script(title="T", scenes=[Scene(heading="S", narration=MEDIUM)])
    slow = speak(script, Settings(rate=120), real_engine, tmp_path / "slow")[0].duration
    fast = speak(script, Settings(rate=240), real_engine, tmp_path / "fast")[0].duration
    assert 1.5 < slow / fast < 2.5


def test_real_engine_applies_every_voice_and_rate_change(tmp_path, real_engine):
    # Regression: properties set through pyttsx3's command queue while espeak-ng's thread was
    # still finishing the last utterance were sometimes dropped: a scene came out at the
    # previous scene's rate. Alternating rates must give alternating durations.
    rates = [120, 240] * 4
    voices = ["gmw/en-us", "gmw/en-us", "gmw/en-gb-x-rp"] * 3
    durations = []
    for number, (rate, voice) in enumerate(zip(rates, voices, strict=False)):
        path = tmp_path / f"{number}.wav"
        durations.append(synthesize_checked(real_engine, MEDIUM, path, voice, rate)[0].duration)
    slow, fast = durations[0::2], durations[1::2]
    assert max(fast) * 1.6 < min(slow), durations


def test_real_engine_voices_and_resolution(real_engine):
    ids = {v.id for v in real_engine.voices()}
    assert "gmw/en-us" in ids and "gmw/de" in ids
    assert resolve_voice(real_engine, "en-us") == "gmw/en-us"
    assert resolve_voice(real_engine, "gmw/en-us") == "gmw/en-us"
    assert resolve_voice(real_engine, "German") == "gmw/de"
    with pytest.raises(NarrateError, match="unknown voice 'xx-nonexistent'"):
        resolve_voice(real_engine, "xx-nonexistent")


def test_missing_wav_is_retried(tmp_path):
    engine = FakeEngine(silent_first=True)
    one_sentence = "The committee met again on Tuesday to discuss the budget in detail."
    script = Script(title="T", scenes=[Scene(heading="S", narration=one_sentence)])
    speeches = speak(script, Settings(), engine, tmp_path)
    assert len(engine.calls) == 2 and speeches[0].duration > 1


def test_check_wav_rejects_bad_files(tmp_path):
    path = tmp_path / "a.wav"
    with pytest.raises(WavProblem, match="no file"):
        check_wav(path, "Some words here.", 175)
    path.write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(WavProblem, match="invalid WAV"):
        check_wav(path, "Some words here.", 175)
    write_tone(path, 0.1)
    with pytest.raises(WavProblem, match="0.10 s of audio for 24 words"):
        check_wav(path, MEDIUM, 175)  # far too short for its text
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(b"\x00\x00" * 22050 * 4)
    with pytest.raises(WavProblem, match="silent"):
        check_wav(path, MEDIUM, 175)
