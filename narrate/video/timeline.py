"""Where a scene's pictures are on screen (stage 5): in frames, from its timed captions
(`timeline`), or in seconds from its speech alone (`seconds`, known before the video is
timed: a scene with a moving photo is drawn from them)."""

from __future__ import annotations

from narrate.models import Scene, Settings, Speech
from narrate.pictures.captions import Cue, scene_cues
from narrate.speech.timing import block_samples, frames_of


def timeline(scene: Scene, cues: list[Cue], settings: Settings) -> list[int]:
    """Frames each picture of the scene's pack is on screen: the card until the first caption,
    each caption until the next one starts, the last until it ends, then the card again."""
    fps = settings.fps
    total = frames_of(scene, fps)
    if not cues:
        return [total]
    first = round((scene.start or 0.0) * fps)
    cuts = [0]
    for cue in cues:
        cuts.append(max(cuts[-1] + 1, round(cue.start * fps) - first))
    cuts.append(max(cuts[-1] + 1, round(cues[-1].end * fps) - first))
    if cuts[-1] >= total:  # too short to show every caption: squeeze them in, a frame each
        cuts = [min(cut, total - (len(cuts) - index)) for index, cut in enumerate(cuts)]
    return [b - a for a, b in zip(cuts, [*cuts[1:], total], strict=True)]


def seconds(speech: Speech, settings: Settings, last: bool) -> list[float]:
    """Where each still position of a scene starts (the card, each caption, the tail) and
    the last ends, in seconds from its speech: known from the speech alone, exact wherever
    the scene falls."""
    block = block_samples(speech, settings, last) / speech.sample_rate
    end = block - settings.lead_in
    cues = scene_cues(speech, 0.0, end)
    starts = [-settings.lead_in, *(cue.start for cue in cues)]
    if cues:
        starts.append(cues[-1].end)
    return [round(value, 6) for value in [*starts, end]]
