"""A figure's photo as a moving backdrop (pictures/photo.py): frames of the exact size, a move
that is slow, deterministic and never stretches, text clear of the captions and the apps'
buttons, and bad images turned into None (the caller shows the card), never an exception."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from narrate.models import Figure
from narrate.pictures.canvas import Card, blank_safe, caption_zone
from narrate.pictures.framing import TRAVEL, plan_move, travel
from narrate.pictures.photo import caption_box, load_photo, photo_frame, photo_pixels
from narrate.pictures.theme import theme_for

SIZES = [(1920, 1080), (1080, 1920), (1080, 1080), (320, 180)]
CAPTION = "Rowing boats wait on the shore of the lake as the sun sets over the fells."
MEDIA = Path(__file__).parent / "fixtures" / "media" / "story_files"


def scene(width: int, height: int, seed: int = 1) -> Image.Image:
    """A photo-like picture: a soft gradient, noise, and a bright red subject right of centre."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.3)
    draw = ImageDraw.Draw(image)
    x, y = round(width * 0.72), round(height * 0.45)
    r = max(2, min(width, height) // 10)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(230, 30, 30))
    for _ in range(20):
        px, py = rng.randrange(width), rng.randrange(height)
        draw.line((px, py, px + 5, py + 5), fill=(90, 90, 90))
    return image


def saved(tmp_path: Path, image: Image.Image, name: str, **options: object) -> Figure:
    path = tmp_path / name
    image.save(path, **options)
    return Figure(path=str(path), caption=CAPTION, credit="Lena Park/The Coast Times")


@pytest.fixture(scope="module")
def theme():
    return theme_for("default")


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, Figure]:
    folder = tmp_path_factory.mktemp("photos")
    return {
        "wide": saved(folder, scene(900, 300), "wide.jpg", quality=90),
        "tall": saved(folder, scene(300, 800), "tall.png"),
        "small": saved(folder, scene(40, 30), "small.png"),
        "huge": saved(folder, scene(3000, 2000), "huge.jpg", quality=80),
        "photo": saved(folder, scene(1600, 1067), "photo.jpg", quality=88),
    }


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", ["wide", "tall", "small", "huge", "photo"])
def test_frames_are_exactly_the_size(images, theme, kind, size):
    photo = load_photo(images[kind], size)
    assert photo is not None
    for t in (0.0, 0.5, 1.0):
        frame = photo_frame(photo, t, images[kind], theme, size)
        assert frame.mode == "RGB" and frame.size == size
    assert len(photo_pixels(photo, 1.0, images[kind], theme, size)) == 3 * size[0] * size[1]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (320, 180)])
def test_the_move_moves_and_each_moment_is_always_the_same(images, theme, size):
    figure = images["photo"]
    photo = load_photo(figure, size)
    again = load_photo(figure, size)
    assert photo is not None and again is not None
    first = photo_frame(photo, 0.0, figure, theme, size)
    last = photo_frame(photo, 1.0, figure, theme, size)
    assert ImageChops.difference(first, last).getbbox() is not None
    middle = photo_pixels(photo, 0.5, figure, theme, size)
    assert middle == photo_pixels(photo, 0.5, figure, theme, size)
    assert middle == photo_pixels(again, 0.5, figure, theme, size)  # a new load: the same
    assert photo_frame(photo, 0.5, figure, theme, size).tobytes() == middle


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", ["wide", "tall", "huge", "photo"])
def test_the_crop_is_never_stretched(images, kind, size):
    photo = load_photo(images[kind], size)
    assert photo is not None
    for t in (0.0, 0.3, 1.0):
        left, top, right, bottom = photo.region(t)
        assert 0 <= left < right <= photo.image.width
        assert 0 <= top < bottom <= photo.image.height
        # Shown at the frame's shape (a pixel of rounding at the image's edge at most).
        assert (right - left) / (bottom - top) == pytest.approx(size[0] / size[1], rel=0.004)


def test_the_move_zooms_in_toward_the_subject(images):
    photo = load_photo(images["photo"], (1920, 1080))
    assert photo is not None and not photo.fitted
    assert photo.interest[0] > 0.55  # the red subject sits right of centre
    start, end = photo.start, photo.end
    assert end[2] - end[0] < start[2] - start[0]  # closer at the end
    assert (end[0] + end[2]) / 2 > (start[0] + start[2]) / 2  # drifting right, toward it


@pytest.mark.parametrize("size", SIZES)
def test_no_point_of_the_frame_moves_faster_than_the_allowance(size):
    """At most TRAVEL of the diagonal over a shot: ~72 px at 1080p, about 1.2 px a tenth of a
    second over six seconds, wherever the interest is and whatever the image's shape."""
    limit = TRAVEL * math.hypot(*size) + 1e-6
    for source in [(1600, 1067), (900, 300), (300, 800), (1000, 1000)]:
        for interest in [(0.5, 0.5), (0.05, 0.05), (0.95, 0.3), (0.3, 0.95)]:
            zoom, _, start, end = plan_move(source, size, interest, (0.03, -0.02))
            centres = [((a[0] + a[2]) / 2, (a[1] + a[3]) / 2) for a in (start, end)]
            assert 1.0 < zoom <= 1.08
            assert travel(centres[0], centres[1], zoom, size) <= limit


def test_tiny_and_extreme_images_are_shown_whole_over_a_fill(images, theme):
    size = (1920, 1080)
    for kind in ("small", "tall"):
        photo = load_photo(images[kind], size)
        assert photo is not None and photo.fitted
    frame = photo_frame(load_photo(images["tall"], size), 0.0, images["tall"], theme, size)
    # The sides are the blurred fill: darker than the picture, not a flat letterbox colour.
    side = frame.crop((20, 100, 300, 400)).convert("L")
    assert side.getextrema()[1] - side.getextrema()[0] > 2


@pytest.mark.parametrize("size", SIZES)
def test_the_caption_line_keeps_clear_of_the_captions_and_the_apps_buttons(theme, size):
    figure = Figure(path="unused.jpg", caption=CAPTION * 3, credit="Lena Park/The Coast Times")
    box = caption_box(figure, theme, size)
    assert box is not None
    card = Card(image=Image.new("RGB", size), safe=(0, 0, 0, 0))
    card.safe = blank_safe(card.image, theme)
    zone = caption_zone(card, theme)
    width, height = size
    assert box[0] >= 0 and box[2] <= width and box[1] >= 0
    assert box[3] <= zone[1]  # above the burned-in captions
    if height > width:
        assert box[3] <= height * 0.8 and box[2] <= width * (1 - theme.portrait_margin_right)


def test_no_caption_no_line(theme):
    assert caption_box(Figure(path="x.jpg"), theme, (1920, 1080)) is None


def test_the_caption_line_is_drawn(images, theme, tmp_path):
    size = (1920, 1080)
    plain = images["photo"].model_copy(update={"caption": None, "credit": None})
    photo = load_photo(plain, size)
    assert photo is not None
    without = photo_frame(photo, 0.5, plain, theme, size)
    with pytest.raises(ValueError, match="one look"):  # its pixels may hold the first's scrim
        photo_frame(photo, 0.5, images["photo"], theme, size)
    again = load_photo(images["photo"], size)
    assert again is not None
    with_text = photo_frame(again, 0.5, images["photo"], theme, size)
    box = caption_box(images["photo"], theme, size)
    assert box is not None
    changed = ImageChops.difference(without, with_text).getbbox()
    assert changed is not None and changed[1] < box[3]
    # The text is light on a darkened photo: the brightest pixels of the box are the text.
    assert with_text.crop(box).convert("L").getextrema()[1] > 200


def test_the_logo_is_in_the_top_right(images, theme, tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (200, 80), (0, 200, 0, 255)).save(logo)
    size = (1920, 1080)
    photo = load_photo(images["photo"], size)
    assert photo is not None
    frame = photo_frame(photo, 0.2, images["photo"], theme, size, logo)
    right, top = round(size[0] * (1 - theme.margin_x)), round(size[1] * theme.margin_y)
    assert frame.getpixel((right - 5, top + 5)) == (0, 200, 0)


def test_damaged_truncated_and_oversized_images_give_none(images, tmp_path):
    size = (320, 180)
    broken = Path(__file__).parent / "fixtures" / "page_files" / "broken.jpg"
    good = Path(images["photo"].path).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good[: len(good) // 2])  # a truncated download
    garbled = tmp_path / "garbled.jpg"
    garbled.write_bytes(good[:600] + bytes(random.Random(3).randrange(256) for _ in range(4000)))
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    huge = tmp_path / "huge.png"
    Image.new("1", (8000, 7000)).save(huge)  # 56 million pixels: over the limit
    for path in (broken, cut, garbled, text, huge, tmp_path / "missing.jpg"):
        assert load_photo(Figure(path=str(path)), size) is None, path.name


def test_every_kind_of_image_mode_is_drawn(tmp_path, theme):
    size = (320, 180)
    base = scene(240, 160)
    sixteen = Image.linear_gradient("L").resize((240, 160)).point(lambda v: v * 256)
    sixteen = sixteen.convert("I").point(lambda v: v * 257).convert("I;16")
    palette = base.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.info["transparency"] = 0
    cases = {
        "cmyk.jpg": base.convert("CMYK"),
        "grey.png": base.convert("L"),
        "alpha.png": base.convert("RGBA"),
        "palette.png": palette,
        "sixteen.png": sixteen,
        "la.png": base.convert("LA"),
        "anim.gif": base.convert("P"),
    }
    for name, image in cases.items():
        figure = saved(tmp_path, image, name)
        photo = load_photo(figure, size)
        assert photo is not None, name
        frame = photo_frame(photo, 0.5, figure, theme, size)
        low, high = frame.convert("L").getextrema()
        assert frame.size == size and high - low > 40, name  # a picture, not one flat tone


def test_exif_orientation_is_followed(tmp_path):
    """A phone's portrait photo stored sideways: shown upright (here: tall, so shown whole)."""
    image = scene(1600, 400)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    path = tmp_path / "sideways.jpg"
    path.write_bytes(buffer.getvalue())
    upright = load_photo(Figure(path=str(path)), (1920, 1080))
    plain = load_photo(saved(tmp_path, image, "plain.jpg"), (1920, 1080))
    assert upright is not None and plain is not None
    assert upright.fitted and not plain.fitted


def test_real_photos_fill_the_frame(theme):
    """The fixture article's photographs (real JPEGs, small as on many news pages)."""
    for path in sorted(MEDIA.glob("*.jpg")):
        figure = Figure(path=str(path), caption="A caption", credit="A. Photographer")
        photo = load_photo(figure, (640, 360))
        assert photo is not None and not photo.fitted
        frame = photo_frame(photo, 1.0, figure, theme, (640, 360))
        assert frame.size == (640, 360)
