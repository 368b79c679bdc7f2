"""glibc malloc settings for serving processes that render multi-megabyte documents.

A 50,000-URL sitemap page is about 6 MB, rendered again by each worker after every change of
the data. glibc raises its mmap threshold whenever such a block is freed (the dynamic threshold,
up to 32 MB), so the next render's buffers come from the heap instead, where they fragment and
are never given back: measured, a worker holding two such pages grew from 59 to 96 MB resident
over three changes. Fixed thresholds keep large buffers in mmap (returned to the system when
freed) and trim the heap's top: the same worker then stays within a few MB of 59.
"""

from __future__ import annotations

import ctypes

# mallopt(3) parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD = 256 * 1024  # bytes: blocks at least this big are mmapped; a free heap top this big is trimmed


def tune_allocator() -> bool:
    """Fix glibc's mmap and trim thresholds for this process and its future forks.

    Returns False where the C library has no mallopt (not glibc): nothing to tune there.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library, no search
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, THRESHOLD))
