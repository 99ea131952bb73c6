"""Scene timing from the measured audio: every scene starts on a frame boundary.

A scene lasts lead_in + its speech + scene_pause, rounded up to whole frames. Start and end
times written to script.json are exactly the frame boundaries the video uses.
"""

from __future__ import annotations

import math

from narrate.models import Scene, Script, Settings, Speech


def scene_frames(speech: Speech, settings: Settings) -> int:
    seconds = settings.lead_in + speech.duration + settings.scene_pause
    return max(1, math.ceil(round(seconds * settings.fps, 6)))


def time_scenes(script: Script, speeches: list[Speech], settings: Settings) -> Script:
    """A copy of `script` with start, end, speech_start and speech_end filled in."""
    if len(speeches) != len(script.scenes):
        raise ValueError(f"{len(speeches)} speeches for {len(script.scenes)} scenes")
    timed = script.model_copy(deep=True)
    frame = 0
    for scene, speech in zip(timed.scenes, speeches, strict=True):
        frames = scene_frames(speech, settings)
        scene.start = round(frame / settings.fps, 6)
        scene.end = round((frame + frames) / settings.fps, 6)
        scene.speech_start = round(scene.start + settings.lead_in, 6)
        scene.speech_end = round(scene.speech_start + speech.duration, 6)
        frame += frames
    timed.duration = round(frame / settings.fps, 6)
    return timed


def frames_of(scene: Scene, fps: int) -> int:
    """How many frames a timed scene is on screen."""
    assert scene.start is not None and scene.end is not None, "time the script first"
    return round((scene.end - scene.start) * fps)
