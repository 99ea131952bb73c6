"""Scene timing from measured audio: blocks of whole AAC frames at 48 kHz, frame-exact scenes,
no overlaps."""

from pathlib import Path

import pytest

from narrate.models import Scene, Script, Settings, Speech
from narrate.speech.timing import (
    AAC_FRAME,
    block_samples,
    delivered,
    frame_unit,
    frames_of,
    pause_after,
    time_scenes,
)
from narrate.video.sound import adts_frames

RATE = 22050


def speeches(*seconds: float) -> list[Speech]:
    return [
        Speech(path=Path(f"{i}.wav"), duration=s, sample_rate=RATE) for i, s in enumerate(seconds)
    ]


def script(count: int) -> Script:
    return Script(title="T", scenes=[Scene(heading=f"H{i}", narration="N") for i in range(count)])


@pytest.mark.parametrize("fps", [24, 25, 30, 60])
def test_scenes_tile_the_video_on_frame_boundaries(fps):
    settings = Settings(fps=fps)
    timed = time_scenes(script(4), speeches(3.21, 0.5, 12.345, 7.0), settings)
    starts = [s.start for s in timed.scenes]
    assert starts[0] == 0.0
    for before, after in zip(timed.scenes, timed.scenes[1:], strict=False):
        assert before.end == after.start
    for scene in timed.scenes:
        assert scene.start * fps == pytest.approx(round(scene.start * fps), abs=1e-4)
        assert frames_of(scene, fps) >= 1
        # The card is up before the speech starts and stays until it ends.
        assert scene.start <= scene.speech_start - settings.lead_in + 0.5 / fps + 1e-6
        assert scene.speech_end <= scene.end + 0.5 / fps
    assert timed.duration == timed.scenes[-1].end


def test_blocks_are_whole_aac_frames_and_hold_lead_speech_and_pause():
    settings = Settings(lead_in=0.3, scene_pause=0.8)
    for seconds in (0.1, 1.0, 2.5, 60.0):
        speech = speeches(seconds)[0]
        samples = block_samples(speech, settings)
        assert delivered(samples, RATE) % AAC_FRAME == 0  # resampled to 48 kHz: whole frames
        assert samples * 48000 % RATE == 0  # and exactly
        assert 0 <= samples - (0.3 + seconds + 0.8) * RATE < frame_unit(RATE)


@pytest.mark.parametrize(
    ("rate", "unit"), [(22050, 2352), (16000, 1024), (24000, 512), (44100, 4704), (48000, 1024)]
)
def test_a_frame_unit_is_the_fewest_samples_that_make_whole_frames_at_48khz(rate, unit):
    assert frame_unit(rate) == unit
    assert unit * 48000 % rate == 0 and unit * 48000 // rate % AAC_FRAME == 0
    assert all(k * 48000 % rate or k * 48000 // rate % AAC_FRAME for k in range(1, unit))


def test_speech_starts_are_measured_not_estimated():
    settings = Settings(lead_in=0.3, scene_pause=0.8)
    timed = time_scenes(script(3), speeches(2.0, 5.0, 1.0), settings)
    block_one = block_samples(speeches(2.0)[0], settings) / RATE
    assert timed.scenes[1].speech_start == pytest.approx(block_one + 0.3, abs=1e-6)
    assert timed.scenes[1].speech_end - timed.scenes[1].speech_start == pytest.approx(5.0)


def test_adts_frames_split_and_reject_garbage():
    frame = bytes([0xFF, 0xF1, 0x50, 0x80, 0x01, 0x3F, 0xFC]) + b"\x00" * 2  # 9-byte frame
    assert adts_frames(frame * 3) == [frame] * 3
    with pytest.raises(ValueError, match="not an ADTS frame"):
        adts_frames(b"\x00" * 10)


@pytest.mark.parametrize("lead", [0, 6615, 1000])
@pytest.mark.parametrize("end", [1, 22049, 50_000, 123_457])
def test_sentence_pauses_are_cut_on_whole_aac_frames_in_silence(lead, end):
    # Stretches of narration are encoded on their own and joined at these cuts: each must be
    # a whole number of AAC frames at 48 kHz from the block's start, with a frame of silence
    # each side.
    pause, unit = round(0.35 * RATE), frame_unit(RATE)
    gap, join = pause_after(end, pause, lead, unit)
    assert join is not None
    assert (lead + join) % unit == 0 and delivered(lead + join, RATE) % AAC_FRAME == 0
    assert join - end >= AAC_FRAME and end + gap - join >= AAC_FRAME
    assert pause <= gap < pause + unit  # the pause grows by less than a unit
    # What follows the cut does not depend on where the sentence before it ended.
    assert end + gap - join == pause - pause // 2


def test_pauses_too_short_to_cut_are_left_alone():
    assert pause_after(5000, 2000, 0) == (2000, None)
