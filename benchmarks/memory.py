"""Peak memory of this process.

On Linux the high-water mark of this process's own memory (VmHWM) is read, because getrusage's
ru_maxrss also keeps the peak of the parent that forked it (a process started by a large one
would report the parent's size).
"""

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
