"""The obvious moviepy pipeline, kept as the benchmark's reference.

pyttsx3 per scene and one Pillow card per scene (narrate's own stages, no cache), then moviepy:
an ImageClip with its AudioFileClip per scene, concatenate_videoclips, write_videofile at the
settings' size and fps. Every frame goes through moviepy's pipe to ffmpeg.

usage: python benchmarks/reference.py ARTICLE OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from moviepy import AudioFileClip, ImageClip, concatenate_videoclips

from narrate.pictures.cards import draw_cards
from narrate.speech.espeak import get_engine
from narrate.models import Settings
from narrate.article.plan import plan_scenes
from narrate.article.read import read_article
from narrate.speech.speak import speak


def main(article: Path, out: Path) -> None:
    settings = Settings()
    out.mkdir(parents=True, exist_ok=True)
    script = plan_scenes(read_article(article))
    speeches = speak(script, settings, get_engine(), out / "audio")
    cards = draw_cards(script, settings, out / "cards")
    clips = []
    for card, speech in zip(cards, speeches, strict=True):
        audio = AudioFileClip(str(speech.path))
        duration = settings.lead_in + speech.duration + settings.scene_pause
        clip = ImageClip(str(card)).with_duration(duration)
        clips.append(clip.with_audio(audio.with_start(settings.lead_in)))
    video = concatenate_videoclips(clips)
    video.write_videofile(
        str(out / "reference.mp4"), fps=settings.fps, codec="libx264", audio_codec="aac", logger=None
    )
    (out / "script.json").write_text(json.dumps({"duration": video.duration}), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
