"""Peak memory and CPU time of the operator process, read from /proc (Linux).

The operator runs as its own process, so its cost is measured there and not in the bench:
VmHWM is the peak resident set, utime + stime the CPU seconds. Writing 5 to clear_refs resets
the peak, so each scenario reports its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Sample:
    cpu_seconds: float
    peak_rss_mb: float


def sample(pid: int) -> Sample:
    """CPU seconds so far and the peak RSS since start (or the last reset)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    peak_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak_kb = int(line.split()[1])
    return Sample(cpu_seconds=(utime + stime) / TICKS, peak_rss_mb=round(peak_kb / 1024, 1))


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS; False where the kernel does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
