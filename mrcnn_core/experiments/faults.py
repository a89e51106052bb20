"""Named fault hooks, for the fault-injection tests (tests/test_faults.py).

``MRCNN_FAULT_KILL_AT=<point>`` kills the process with SIGKILL when it reaches
that write point, as a power cut or an out-of-memory kill would.  The points:

- ``store.after_curves``: a run's curve rows are written, its run row is not;
- ``store.after_row``: a run's row is written (the next run has not started);
- ``store.after_provenance``: a sweep's provenance record is written, no run yet;
- ``batch.after_notebook``: a batch point's notebook is written on the worker,
  its row is not (the worker dies: Dask retries the point);
- ``batch.before_row``: the batch driver has a point's result, not yet its row.

``MRCNN_FAULT_KILL_AFTER=<n>`` kills at the n-th time the point is reached in
one process (default 1), so a test can kill a sweep in its middle.
``MRCNN_FAULT_ONCE=<file>`` kills only if that file does not exist yet (and
creates it): across processes, e.g. one Dask worker of several, the fault
happens once.  Unset, a hook costs one dictionary lookup.
"""
from __future__ import annotations

import os
import signal

FAULT_ENV = "MRCNN_FAULT_KILL_AT"
COUNT_ENV = "MRCNN_FAULT_KILL_AFTER"
ONCE_ENV = "MRCNN_FAULT_ONCE"
POINTS = ("store.after_curves", "store.after_row", "store.after_provenance",
          "batch.after_notebook", "batch.before_row")
_seen: dict[str, int] = {}


def checkpoint(point: str) -> None:
    """Die here if the environment asks for a fault at ``point``."""
    if os.environ.get(FAULT_ENV) != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    if _seen[point] < int(os.environ.get(COUNT_ENV, "1")):
        return
    once = os.environ.get(ONCE_ENV)
    if once:
        try:  # exclusive create: of several processes, one wins
            fd = os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, f"{point} {os.getpid()}".encode())
        os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
