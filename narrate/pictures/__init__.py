"""Stage 3, pictures: the title cards and the caption pictures, drawn with Pillow.

Takes the `Script`, the `Settings` and a theme (`theme.py`: colours, fonts and sizes from
`assets/themes/*.json`). `cards.py` draws each scene's card as a PNG inside the theme's safe
margins (`layout.py` wraps and fits text; `fonts.py` picks a font with glyphs for every
script, shaping right-to-left text; `glyphs.py` finds characters no font has). `captions.py`
says what each caption shows and when (cues of at most two lines, from the measured speech),
and writes them as SRT and WebVTT. Hands on PNG cards, caption strips and cues; the video
stage encodes them.

Speed: a caption picture is drawn only into the rows it changes (`cards.caption_strip`).
"""
