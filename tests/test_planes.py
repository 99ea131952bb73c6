"""Moving pictures as YUV planes (video/planes.py), the encoder fed at its own pace
(video/ffmpeg.py), and the render's gate while the narration is spoken."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from narrate.video import planes
from narrate.video.encode import X264_ARGS, Encoders, encode_pictures
from narrate.video.ffmpeg import run_ffmpeg_fed

SIZE = (320, 180)


def rgb(pixels: bytes, size: tuple[int, int] = SIZE) -> np.ndarray:
    width, height = size
    yuv = np.frombuffer(pixels, np.uint8).reshape(height * 3 // 2, width)
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420).astype(int)


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """A smooth photo-like image of an odd size, a little larger than the frame."""
    x, y = np.meshgrid(np.linspace(0, 1, 341), np.linspace(0, 1, 193))
    pixels = np.stack([200 * x + 30, 160 * y + 40, 120 * (1 - x * y) + 60], axis=2)
    return Image.fromarray(pixels.astype(np.uint8))


def drawn(colour: tuple[int, int, int]) -> Image.Image:
    """What stays put, drawn over `colour`: an opaque bar and a translucent strip."""
    canvas = Image.new("RGB", SIZE, colour)
    canvas.paste((250, 200, 0), (280, 8, 312, 24))
    strip = Image.new("RGB", (200, 40), (10, 20, 120))
    canvas.paste(strip, (60, 130), Image.new("L", (200, 40), 160))
    return canvas


def test_a_picture_is_the_area_of_the_source_resampled(photo):
    area = (7.3, 4.6, 7.3 + 326.4, 4.6 + 183.6)
    made = rgb(planes.picture(planes.Source.of(photo), area, SIZE, planes.Layer(())))
    expected = np.asarray(photo.resize(SIZE, Image.Resampling.BILINEAR, box=area)).astype(int)
    assert np.abs(made - expected).mean() < 1.5  # YUV 4:2:0 and back, of smooth pixels


def test_the_move_moves_the_picture(photo):
    source = planes.Source.of(photo)
    first = rgb(planes.picture(source, (0.0, 0.0, 330.0, 185.6), SIZE, planes.Layer(())))
    later = rgb(planes.picture(source, (6.0, 3.0, 336.0, 188.6), SIZE, planes.Layer(())))
    assert np.abs(first - later).mean() > 2  # 6 px of a smooth gradient: about 3 levels


def test_what_stays_put_is_laid_over_as_pasted(photo):
    boxes = planes.joined([(280, 8, 312, 24), (60, 130, 260, 170)], SIZE)
    on_black, on_white = drawn((0, 0, 0)), drawn((255, 255, 255))
    layer = planes.layer_of(
        boxes, [on_black.crop(b) for b in boxes], [on_white.crop(b) for b in boxes]
    )
    assert [(b.left, b.top, b.right, b.bottom) for b in layer.bands] == [
        (60, 130, 260, 170),
        (280, 8, 312, 24),
    ]
    area = (3.0, 2.0, 3.0 + 320 * 1.04, 2.0 + 180 * 1.04)
    made = rgb(planes.picture(planes.Source.of(photo), area, SIZE, layer))
    expected = photo.resize(SIZE, Image.Resampling.BILINEAR, box=area)
    expected.paste((250, 200, 0), (280, 8, 312, 24))
    expected.paste(
        Image.new("RGB", (200, 40), (10, 20, 120)), (60, 130), Image.new("L", (200, 40), 160)
    )
    expected_pixels = np.asarray(expected).astype(int)
    assert np.abs(made - expected_pixels).mean() < 1.5
    inside = (slice(140, 160), slice(80, 240))  # the strip, away from its edges
    assert np.abs(made[inside] - expected_pixels[inside]).max() <= 4
    assert tuple(made[16, 296]) == pytest.approx((250, 200, 0), abs=4)


def test_the_boxes_are_even_and_joined():
    assert planes.joined([(3, 5, 10, 9), (9, 7, 21, 12), (40, 40, 50, 50)], (44, 44)) == [
        (2, 4, 22, 12),
        (40, 40, 44, 44),
    ]


def test_a_still_picture_converts_as_ffmpeg_does(tmp_path):
    """The same RGB picture fed to x264 as RGB (ffmpeg converts it) and as planes converted
    here: decoded back, a level apart at most on average."""
    picture = np.asarray(drawn((40, 90, 160)))
    pixels = picture.tobytes()
    ways = []
    for pixel_format, data in (("rgb24", pixels), ("yuv420p", planes.i420(pixels, SIZE))):
        units = encode_pictures(
            [lambda data=data: data], {0}, SIZE, 30, tmp_path / f"{pixel_format}.h264",
            X264_ARGS, pixel_format,
        )  # fmt: skip
        assert len(units) == 1
        ways.append(decoded(tmp_path / f"{pixel_format}.h264"))
    assert np.abs(ways[0] - ways[1]).mean() < 1.0


def decoded(path: Path) -> np.ndarray:
    return decoded_at(path, SIZE)[0]


def decoded_at(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame of a raw H.264 file, as RGB."""
    import subprocess

    from narrate.video.ffmpeg import ffmpeg_exe

    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0], 3).astype(int)


def test_pictures_are_drawn_only_a_few_ahead_of_the_encoder(tmp_path):
    """ffmpeg's progress holds the feed back: a picture is drawn when at most `ahead` more
    than the encoder has written are in its hands, however fast they come."""
    width, height = 640, 360
    drawn_at: list[float] = []

    def pictures():
        for index in range(60):
            drawn_at.append(time.perf_counter())
            yield bytes([index * 5 % 256]) * (width * height * 3)

    started = time.perf_counter()
    run_ffmpeg_fed(
        [
            "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-r", "30", "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryslow",
            "-x264-params", "threads=1:rc-lookahead=0:sync-lookahead=0:bframes=0",
            "-f", "h264", str(tmp_path / "out.h264"),
        ],
        pictures(),
        "encoding",
        tmp_path / "out.h264",
        ahead=2,
    )  # fmt: skip
    took = time.perf_counter() - started
    assert len(drawn_at) == 60
    # unheld, the last is drawn once ffmpeg's queues (about 20 frames) have room for it,
    # two thirds of the way; held, near the end, as the encoder gets to it
    assert drawn_at[-1] - started > 0.85 * took


def test_one_encoder_at_a_time_while_narrowed():
    encoders, inside, most = Encoders(), [0], [0]
    lock = threading.Lock()

    def job() -> None:
        with encoders.turn():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with lock:
                inside[0] -= 1

    def run_four() -> int:
        most[0] = 0
        threads = [threading.Thread(target=job) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return most[0]

    with encoders.narrowed():
        assert run_four() == 1
    assert run_four() > 1


@pytest.mark.parametrize("top,count", [(10, 6), (11, 6), (10, 7), (11, 7), (0, 180), (179, 1)])
def test_a_captions_rows_converted_alone_are_the_whole_pictures(top, count):
    """A still picture's planes with a caption's rows converted over them (odd edges widened
    to a pair of rows from the picture under them) are the whole picture converted."""
    rng = np.random.default_rng(top * 1000 + count)
    under = rng.integers(0, 256, (SIZE[1], SIZE[0], 3), np.uint8)
    rows = rng.integers(0, 256, (count, SIZE[0], 3), np.uint8)
    whole = under.copy()
    whole[top : top + count] = rows
    base = planes.i420(under.tobytes(), SIZE)
    made = planes.with_rows(base, under.tobytes(), rows.tobytes(), top, SIZE)
    assert made == planes.i420(whole.tobytes(), SIZE)


def test_a_crossfade_of_planes_is_pillows_blend_to_a_level():
    first, second = drawn((40, 90, 160)), drawn((230, 200, 20))
    for share in (1 / 3, 2 / 3):
        mixed = planes.blend(
            planes.i420(first.tobytes(), SIZE), planes.i420(second.tobytes(), SIZE), share
        )
        pillows = planes.i420(Image.blend(first, second, share).tobytes(), SIZE)
        ours, theirs = (np.frombuffer(p, np.uint8).astype(int) for p in (mixed, pillows))
        apart = np.abs(ours - theirs)
        assert apart.max() <= 1  # rounding, a level at most
