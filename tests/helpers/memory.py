"""A process's own peak memory, for the tests that measure a server in a subprocess."""

from __future__ import annotations

import re


def peak_mb() -> float:
    """This process image's peak resident memory (VmHWM), in MiB.

    Not `getrusage(RUSAGE_SELF).ru_maxrss`: Linux keeps that high-water mark across execve, so a child started by
    the test suite reports at least the suite's own resident size at fork time (hundreds of MB late in a run),
    whatever the child itself uses. VmHWM belongs to the new process image and starts afresh at exec."""
    with open("/proc/self/status", encoding="ascii") as status:
        found = re.search(r"^VmHWM:\s+(\d+) kB$", status.read(), re.MULTILINE)
    if found is None:
        raise RuntimeError("/proc/self/status has no VmHWM line")
    return int(found[1]) / 1024
