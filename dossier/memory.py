"""Give memory back to the operating system between the stages of a build.

Loading CJK fonts for fpdf2 costs ~200 MB; after the drawing is done glibc keeps
that memory in the process unless asked, and the PDF assembly that follows would
add to it. ``release`` makes the peak of a build the peak of its largest stage.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from functools import cache


@cache
def _trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl): nothing to ask
        return None


def release() -> None:
    """Collect garbage and return freed heap pages to the OS where the C library allows."""
    gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
