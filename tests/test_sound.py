"""Sound: loudness and true peak measured with ffmpeg's ebur128 filter on the rendered MP4;
pauses between sentences, paragraphs and scenes as configured; the in-process loudness meter
agrees with ffmpeg's."""

from __future__ import annotations

import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from narrate.cache import Cache
from narrate.models import Settings
from narrate.render import render
from narrate.speech.loudness import integrated_loudness, normalize
from narrate.video.ffmpeg import ffmpeg_exe
from tests.conftest import decode_audio

ARTICLE = """# Sound Check

The first sentence of the lede. The second sentence follows a short pause.

A new paragraph starts after a longer pause.

## A second scene

It comes after the longest pause of all, between scenes.
"""


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg measures them."""
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af",
         "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = out[out.rindex("Summary:") :]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return loudness, peak


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, real_engine):
    base = tmp_path_factory.mktemp("sound")
    article = base / "sound.md"
    article.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(
        width=320, height=180, out_dir=base / "out", sentence_pause=0.4, paragraph_pause=0.9,
        scene_pause=1.5,
    )  # fmt: skip
    return render(article, settings, engine=real_engine, cache=Cache(None)), settings


def test_loudness_is_minus_16_lufs_and_true_peak_under_minus_1(rendered):
    result, _ = rendered
    loudness, peak = ebur128(result.video)
    assert abs(loudness - (-16.0)) <= 1.0
    assert peak <= -1.0


def test_pauses_follow_the_settings(rendered):
    result, settings = rendered
    first, second = result.script.scenes
    gaps = [b.start - a.end for a, b in zip(first.sentences, first.sentences[1:], strict=False)]
    # The title, two sentences of lede, a new paragraph: paragraph, sentence, paragraph gaps,
    # each the pause plus the few ms kept around each sentence's sound.
    assert gaps[0] == pytest.approx(settings.paragraph_pause, abs=0.15)
    assert gaps[1] == pytest.approx(settings.sentence_pause, abs=0.15)
    assert gaps[2] == pytest.approx(settings.paragraph_pause, abs=0.15)
    between_scenes = second.sentences[0].start - first.sentences[-1].end
    assert between_scenes >= settings.scene_pause + settings.lead_in - 0.1
    assert between_scenes > gaps[2] > gaps[1]


def test_meter_agrees_with_ffmpeg_and_normalize_hits_the_target(tmp_path, real_engine):
    from narrate.speech.engine import synthesize_checked

    path = tmp_path / "speech.wav"
    synthesize_checked(real_engine, "A sentence to measure. " * 8, path, "gmw/en-us", 175)
    with wave.open(str(path)) as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), "<i2") / 32768
    assert integrated_loudness(samples, rate) == pytest.approx(ebur128(path)[0], abs=0.5)
    level = normalize(samples.astype(np.float32), rate)
    assert integrated_loudness(level, rate) == pytest.approx(-16.0, abs=0.1)
    assert np.abs(level).max() <= 10 ** (-2 / 20) + 1e-6
    assert len(level) == len(samples)


def decode_stereo(video: Path) -> np.ndarray:
    """The video's sound as it is stored (48 kHz stereo), as (samples, 2) floats."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768


def test_delivered_sound_is_48khz_stereo_centred_and_each_scene_in_place(rendered):
    # The speech is 22.05 kHz mono; the MP4 carries 48 kHz stereo, resampled at the encoder
    # in stretches: decoded, every scene's WAV is found where script.json says, to the sample.
    from narrate.video.ffmpeg import probe
    from narrate.video.music import resample

    result, _ = rendered
    info = probe(result.video)
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", 48000, "stereo")
    sound = decode_stereo(result.video)
    left, right = sound[:, 0], sound[:, 1]
    assert np.abs(left - right).max() < 2e-4  # the narration is centred: the same both sides
    left = left / np.sqrt(0.5)  # at -3 dB each side, as loud in stereo as the mono speech
    assert len(sound) / 48000 == pytest.approx(result.script.duration, abs=0.03)
    for number, scene in enumerate(result.script.scenes, 1):
        with wave.open(str(result.folder / "audio" / f"{number:02d}.wav")) as source:
            pcm, rate = source.readframes(source.getnframes()), source.getframerate()
        voice = resample(pcm, rate, len(pcm) // 2 * 48000 // rate).astype(np.float64)
        at = round(scene.speech_start * 48000)

        def snr(shift: int, voice: np.ndarray = voice, at: int = at) -> float:
            error = left[at + shift : at + shift + len(voice)] - voice
            return float(10 * np.log10(np.sum(voice**2) / np.sum(error**2)))

        assert snr(0) > 20, number  # the AAC's error is small against the speech
        assert snr(0) > max(snr(-2), snr(2)) + 3, number  # and it is here, not a sample off


def test_music_is_ducked_under_speech_and_faded():
    from narrate.video.music import BED, load_music, music_for_block

    rate = 48000
    music = load_music(BED)
    length, speech = 10 * rate, [(2 * rate, 5 * rate)]
    under = music_for_block(music, 0, length, length, speech, rate)  # the only block: fades out

    def level(a: float, b: float) -> float:
        part = under[int(a * rate) : int(b * rate)]
        return 20 * np.log10(np.sqrt(np.mean(part.astype(np.float64) ** 2)) + 1e-12)

    assert level(3.0, 4.0) < level(6.0, 7.0) - 12  # ducked while words are heard
    assert level(0.0, 0.3) < level(6.0, 7.0) - 10  # fading in at the start of the video
    assert level(9.8, 10.0) < level(6.0, 7.0) - 20  # silent where the next scene joins
    later = music_for_block(music, 60 * rate, length, None, speech, rate)
    assert np.sqrt(np.mean(later[int(6 * rate) : int(7 * rate)] ** 2)) > 0  # loops on


def test_render_with_the_bundled_bed(tmp_path, real_engine):
    article = tmp_path / "music.md"
    article.write_text(ARTICLE, encoding="utf-8")
    plain = render(article, Settings(width=320, height=180, out_dir=tmp_path / "plain"),
                   engine=real_engine, cache=Cache(tmp_path / "cache"))  # fmt: skip
    scored = render(article, Settings(width=320, height=180, out_dir=tmp_path / "bed", music="bed"),
                    engine=real_engine, cache=Cache(tmp_path / "cache"))  # fmt: skip
    loudness, peak = ebur128(scored.video)
    assert abs(loudness - (-16.0)) <= 1.0 and peak <= -1.0
    rate = 16000

    def pause_level(video: Path) -> float:
        audio = decode_audio(video, rate).astype(np.float64)
        first = scored.script.scenes[0].sentences
        gap = audio[int((first[0].end + 0.2) * rate) : int((first[1].start - 0.2) * rate)]
        return 20 * np.log10(np.sqrt(np.mean(gap**2)) / 32768 + 1e-9)

    assert pause_level(plain.video) < -70  # silence between sentences without music
    assert pause_level(scored.video) > -55  # the bed is heard there with it
    assert plain.script.duration == scored.script.duration  # music changes no timing


def test_music_in_stereo_stays_stereo(tmp_path, real_engine):
    # A stereo music file: 440 Hz on the left, 660 Hz on the right. Between sentences the
    # music is heard, each side with its own tone; the narration is centred over it.
    music = tmp_path / "stereo.wav"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=20",
         "-f", "lavfi", "-i", "sine=frequency=660:duration=20", "-filter_complex",
         "[0:a][1:a]join=inputs=2:channel_layout=stereo", str(music)],
        check=True,
    )  # fmt: skip
    article = tmp_path / "music.md"
    article.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out", music=str(music))
    result = render(article, settings, engine=real_engine, cache=Cache(None))
    sound = decode_stereo(result.video)
    first = result.script.scenes[0].sentences
    gap = sound[round((first[0].end + 0.2) * 48000) : round((first[1].start - 0.2) * 48000)]
    assert len(gap) > 4800

    def tone(channel: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(channel * np.hanning(len(channel))))
        return float(np.argmax(spectrum) * 48000 / len(channel))

    assert tone(gap[:, 0]) == pytest.approx(440, abs=15)
    assert tone(gap[:, 1]) == pytest.approx(660, abs=15)
    loudness, peak = ebur128(result.video)
    assert abs(loudness - (-16.0)) <= 1.0 and peak <= -1.0
