"""Scene timing from the measured audio.

Each scene owns one block of the narration track: lead-in + its speech + pause, rounded up to a
whole number of AAC frames of the delivered sound (1024 samples at 48 kHz: 2352 samples of
22.05 kHz speech make 5 of them), so every block can be encoded on its own and the blocks
joined without gaps (see video/sound.py). A scene's card appears on the video frame nearest
to the start of its block: every scene starts on a frame boundary (and a keyframe), at most
half a frame from its audio block, always within the silence before its speech.
"""

from __future__ import annotations

import math

from narrate.models import Scene, Script, Settings, Speech, TimedSentence

AAC_FRAME = 1024  # samples per AAC frame
DELIVERY_RATE = 48000  # Hz: the MP4's sound, in stereo (video platforms' upload guidance)
ENDING = 2.5  # seconds the ending card stays after the last scene's pause


def block_samples(speech: Speech, settings: Settings, last: bool = False) -> int:
    """Samples of a scene's audio block: lead-in, speech, pause, up to whole AAC frames;
    the last scene's block also holds the ending card's seconds."""
    seconds = settings.lead_in + speech.duration + settings.scene_pause + (ENDING if last else 0)
    samples = math.ceil(round(seconds * speech.sample_rate, 3))
    unit = frame_unit(speech.sample_rate)
    return max(1, math.ceil(samples / unit)) * unit


def frame_unit(rate: int) -> int:
    """The fewest samples at `rate` that resample to whole AAC frames at the delivery rate:
    2352 at 22050 Hz (5 frames), 1024 at 16000 Hz (3 frames), 1024 at 48000 Hz."""
    return AAC_FRAME * rate // math.gcd(AAC_FRAME * rate, DELIVERY_RATE)


def delivered(samples: int, rate: int) -> int:
    """How many samples at the delivery rate `samples` at `rate` become (a whole number of
    frame units resample exactly)."""
    return samples * DELIVERY_RATE // rate


def lead_samples(settings: Settings, rate: int) -> int:
    """Samples of silence before a scene's speech, at the start of its block."""
    return round(settings.lead_in * rate)


def pause_after(end: int, pause: int, lead: int, unit: int = AAC_FRAME) -> tuple[int, int | None]:
    """The silence after a sentence that ends `end` samples into its scene's speech, and where
    the narration block may be cut in it (in speech samples), if anywhere.

    The cut falls on a whole frame unit (see frame_unit) from the block's start, with at least
    a frame of silence either side, so the stretches between cuts are encoded on their own and
    joined without a trace. The pause grows by less than a unit to put it there; the stretch after a
    cut then depends only on its own sentence, so editing a sentence encodes only its stretch.
    """
    half = pause // 2
    if half < AAC_FRAME or pause - half < AAC_FRAME:
        return pause, None
    join = -(-(lead + end + half) // unit) * unit - lead
    return join - end + pause - half, join


def time_scenes(script: Script, speeches: list[Speech], settings: Settings) -> Script:
    """A copy of `script` with start, end, speech_start and speech_end filled in."""
    if len(speeches) != len(script.scenes):
        raise ValueError(f"{len(speeches)} speeches for {len(script.scenes)} scenes")
    rates = {speech.sample_rate for speech in speeches}
    if len(rates) != 1:
        raise ValueError(f"speeches have different sample rates: {sorted(rates)}")
    rate = rates.pop()
    timed = script.model_copy(deep=True)
    sample = 0
    for number, (scene, speech) in enumerate(zip(timed.scenes, speeches, strict=True), 1):
        length = block_samples(speech, settings, last=number == len(speeches))
        scene.start = frame_time(sample, rate, settings.fps)
        scene.end = frame_time(sample + length, rate, settings.fps)
        scene.speech_start = round(sample / rate + settings.lead_in, 6)
        scene.speech_end = round(scene.speech_start + speech.duration, 6)
        scene.spoken = " ".join(s.spoken for s in speech.sentences) or None
        scene.sentences = [
            TimedSentence(
                text=s.text,
                start=round(scene.speech_start + s.start, 3),
                end=round(scene.speech_start + s.end, 3),
                parts=[part.shifted(scene.speech_start) for part in s.parts] or None,
            )
            for s in speech.sentences
        ]
        sample += length
    timed.duration = timed.scenes[-1].end
    return timed


def frame_time(sample: int, rate: int, fps: int) -> float:
    """The time of the video frame boundary nearest to `sample`."""
    return round(round(sample * fps / rate) / fps, 6)


def frames_of(scene: Scene, fps: int) -> int:
    """How many frames a timed scene is on screen."""
    assert scene.start is not None and scene.end is not None, "time the script first"
    return round((scene.end - scene.start) * fps)
