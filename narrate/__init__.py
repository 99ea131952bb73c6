"""narrate: turn a written article into a narrated explainer video, offline."""

import os

__version__ = "0.1.0"

# numpy loads OpenBLAS, which starts a thread per core that spins while it waits for work:
# 12% of an edit's CPU here. narrate does no linear algebra, so one thread (none extra) does.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
