"""A scene's pictures: still spans one picture each, moving spans cut into pictures at the
motion rate, crossfades fitted into the lead-in (video/packs.py)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from narrate.pictures.backdrops import Backdrop
from narrate.video.packs import ScenePictures, Slot, fitted, in_motion, merged, shares, trimmed


def still(name: str) -> Backdrop:
    return Backdrop({"name": name}, lambda: Image.new("RGB", (8, 8)))


def moving(name: str) -> Backdrop:
    return Backdrop(
        {"name": name}, lambda: Image.new("RGB", (8, 8)), lambda t: Image.new("RGB", (8, 8))
    )


def positions(*slots: Slot) -> list[Slot]:
    from dataclasses import replace

    return [replace(slot, position=index) for index, slot in enumerate(slots)]


def test_a_still_scene_keeps_one_picture_per_caption() -> None:
    card, quote = still("card"), still("quote")
    slots = positions(
        Slot(card, None, -1), Slot(card, ("one",), 0), Slot(quote, ("two",), 1),
        Slot(quote, None, 1),
    )  # fmt: skip
    pictures, indexes = merged(slots)
    assert len(pictures) == 4
    assert indexes == [0, 1, 2, 3]


def test_without_captions_a_backdrop_held_over_sentences_is_one_picture() -> None:
    card, quote = still("card"), still("quote")
    slots = positions(
        Slot(card, None, -1), Slot(card, None, 0), Slot(quote, None, 1), Slot(quote, None, 1)
    )
    pictures, indexes = merged(slots)
    assert [p.backdrop for p in pictures] == [card, quote]
    made = ScenePictures(Path("c"), Path("p"), indexes, [1, 1, 1, 1], [1.0] * 4)
    assert made.timeline([9, 30, 40, 20]) == [39, 60]


def test_a_moving_span_is_cut_at_the_motion_rate_and_where_captions_change() -> None:
    card, photo = still("card"), moving("photo")
    fps, hold = 30, 3
    slots = positions(Slot(card, None, -1), Slot(photo, ("a",), 0), Slot(photo, ("b",), 1))
    out, holds = in_motion(slots, [-0.3, 0.0, 10 / 30, 1.0], fps, 100)
    assert out[0].backdrop is card
    counts = [sum(1 for slot in out if slot.position == p) for p in range(3)]
    assert counts == [1, 4, 7]  # 10 frames in pictures of 3; 20 frames in pictures of 3
    pictures, indexes = merged(out)
    made = ScenePictures(Path("c"), Path("p"), indexes, counts, holds)
    frames = made.timeline([9, 10, 20])
    assert sum(frames) == 39 and max(frames[1:]) <= hold
    shown = [pictures[i].cue for i, count in enumerate(frames) for _ in range(count)]
    assert shown[9:19] == [("a",)] * 10 and shown[19:] == [("b",)] * 20
    times = [slot.t for slot in out[1:]]  # the move runs forward, start to (nearly) end
    assert times[0] == 0.0 and 0.9 < times[-1] <= 1.0 and times == sorted(times)


def test_a_still_between_two_moving_spans_splits_them() -> None:
    photo, card = moving("photo"), still("card")
    slots = positions(Slot(card, None, -1), Slot(photo, ("a",), 0), Slot(card, ("b",), 1),
                      Slot(photo, ("c",), 2))  # fmt: skip
    out, _ = in_motion(slots, [-0.1, 0.0, 0.4, 0.6, 1.0], 30, 100)
    ts = [(slot.cue, slot.t) for slot in out if slot.backdrop is photo]
    assert ts[0] == (("a",), 0.0) and ts[-1] == (("c",), 0.75)
    assert [slot.t for slot in out if slot.cue == ("c",)][0] == 0.0  # each span its own move


def test_a_span_has_the_same_pictures_wherever_it_falls() -> None:
    """Frames shift by one with a scene's place in the video; the pictures must not, so an
    edit elsewhere encodes nothing here again: they come from the speech's times alone."""
    photo = moving("photo")
    slots = positions(Slot(photo, ("a",), 0), Slot(photo, ("b",), 1), Slot(photo, None, 1))
    out, holds = in_motion(slots, [0.0, 1.234, 2.5, 3.1], 30, 100)
    pictures, indexes = merged(out)
    counts = [sum(1 for slot in out if slot.position == p) for p in range(3)]
    made = ScenePictures(Path("c"), Path("p"), indexes, counts, holds)
    one, two = made.timeline([37, 38, 18]), made.timeline([38, 37, 19])
    assert len(one) == len(two) == len(pictures)
    assert sum(one) == 93 and sum(two) == 94 and min(one + two) >= 1


def test_the_crossfade_leaves_the_card_a_frame() -> None:
    assert fitted([2, 2, 2, 2], 9) == [2, 2, 2, 2]
    assert sum(fitted([2, 2, 2, 2], 6)) == 5
    assert sorted(fitted([2, 2], 4)) == [1, 2]
    assert fitted([2, 2], 2) == [1, 1]  # each picture keeps a frame


def test_the_timeline_splits_the_card_for_the_crossfade() -> None:
    made = ScenePictures(Path("c"), Path("p"), [0, 1, 2, 2], [1, 1, 1, 1], [1.0] * 4, [2, 2])
    assert made.timeline([9, 30, 40, 20]) == [2, 2, 5, 30, 60]
    assert sum(made.timeline([3, 30, 40, 20])) == 93


def test_frames_are_shared_out_with_one_at_least_for_each_picture() -> None:
    assert shares(10, 4, 3) == [3, 3, 3, 1]
    assert shares(9, 4, 3) == [3, 3, 2, 1]
    assert shares(20, 3, 7.5) == [8, 7, 5]
    assert all(count >= 1 for count in shares(3, 3, 3))
    assert trimmed([0, 5, 1], 6) == [1, 4, 1]


def test_a_long_span_has_no_more_pictures_than_its_move_has_pixels() -> None:
    photo = moving("photo")
    slots = positions(Slot(photo, ("a",), 0), Slot(photo, None, 0))
    out, holds = in_motion(slots, [0.0, 25.0, 30.0], 30, 73)
    assert len(out) <= 73 + 1
    assert holds[0] == holds[1] == 30 * 30 / 73  # a picture every 0.41 s of the 30 s span


class Drawn:
    """A picture that says how it was asked for: as planes (called) or as RGB."""

    def __init__(self, shade: int, still: bool = True) -> None:
        self.shade, self.still, self.asked = shade, still, []

    def __call__(self) -> bytes:
        from narrate.video.planes import i420

        self.asked.append("planes")
        return i420(bytes([self.shade]) * (64 * 48 * 3), (64, 48))

    def rgb(self) -> bytes:
        self.asked.append("rgb")
        return bytes([self.shade]) * (64 * 48 * 3)


def test_few_still_pictures_are_converted_by_ffmpeg_many_here(tmp_path, monkeypatch) -> None:
    """An edit encodes a few pictures: ffmpeg converts their RGB, and this process never
    imports numpy and OpenCV for them. A render of many (or of a moving photo) converts
    them here. Either way the run is the same picture, to a level, under the same key."""
    import sys

    from narrate.cache import Cache
    from narrate.video.encode import FEW, Run, pack_for
    from tests.test_planes import decoded_at

    monkeypatch.delitem(sys.modules, "cv2", raising=False)  # as in an edit's process
    cases = {
        "few": [Drawn(60 + n) for n in range(3)],
        "many": [Drawn(60 + n) for n in range(FEW + 1)],
        "moving": [Drawn(60), Drawn(61, still=False)],
    }
    frames = {}
    for name, pictures in cases.items():
        if name != "few":
            monkeypatch.delitem(sys.modules, "cv2", raising=False)
        path = tmp_path / f"{name}.h264"
        pack_for([Run({"n": name}, list(pictures))], (64, 48), 30, path, Cache(None),
                 pixel_format="yuv420p")  # fmt: skip
        frames[name] = decoded_at(path, (64, 48))
        asked = {way for picture in pictures for way in picture.asked}
        assert asked == ({"rgb"} if name == "few" else {"planes"}), name
    assert abs(frames["few"][0].mean() - frames["many"][0].mean()) <= 1.0


def test_an_edit_of_one_sentence_needs_neither_numpy_nor_opencv_here(tmp_path) -> None:
    """`narrate render` after one sentence changed: its few pictures are converted by
    ffmpeg, and the sound's loudness is the worker's, so this process imports neither."""
    from tests.conftest import render_fresh

    article = tmp_path / "a.txt"
    common = [str(article), "--size", "320x180", "--out", str(tmp_path / "out"), "-q",
              "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    runs = []
    for words in ("all week", "all month"):
        article.write_text(f"Bridge Report\n\nThe bridge opens on Monday. Crews worked {words}.\n")
        found, _, stderr = render_fresh("numpy,cv2", *common)
        assert found["code"] == 0, stderr
        runs.append(found)
    assert runs[1] == {"code": 0, "loaded": []}
