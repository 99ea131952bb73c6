"""Stage 4, video: encode the pictures and the narration and write the MP4.

Takes the cards and caption cues (pictures stage), each scene's `Speech` (speech stage) and
the timed `Script`. `packs.py` encodes a scene's pictures with x264 (`encode.py`), once each;
`h264.py` writes the frames that hold a picture on screen itself (all-skip P slices);
`sound.py` encodes each scene's narration (with `music.py`'s bed under it, if asked) into AAC
stretches that join without a gap; `chapters.py` writes the chapter files; `assemble.py`
puts the scenes together and `mp4.py` (with `boxes.py`, the movie header) writes the MP4:
moov first, interleaved, chapters, one SPS and PPS in avcC. `ffmpeg.py` runs ffmpeg (from
imageio-ffmpeg) with errors a person can act on. Hands on the finished MP4.

Speed: pictures are encoded once, not once a frame; held pictures are byte copies; every
piece (a sentence's pictures, a stretch of narration) is cached on its own, so an edit
re-encodes only what it touched.
"""
