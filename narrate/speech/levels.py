"""Target levels of the finished sound (kept apart from speech/loudness.py, which needs numpy)."""

LOUDNESS_VERSION = 4  # bump when the loudness processing changes
TARGET_LUFS = -16.0  # integrated loudness of every scene
CEILING_DBFS = -3.5  # peak before AAC; coding and inter-sample overshoot stay under -1 dBTP
