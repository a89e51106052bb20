"""Sweeps on Dask workers: the planned runs go out in chunks, rows come back.

The driver (the process that called :func:`~.driver.sweep`) plans every run,
skips the stored ones, sends chunks of run keys to the workers and stays the
*only writer* of the results store: a worker loads the data and features
once per process, re-plans the same runs (planning is deterministic), runs
its chunk and returns the rows with its own provenance record.  So:

- a chunk whose worker dies is run again by Dask on another worker
  (``retries``), and its rows are written once, when it completes;
- a row the store already holds is never written twice (a chunk that ran
  twice, a driver restarted after a kill);
- a run that fails is stored as failed, with its error; the rest goes on.

A local cluster listens on loopback only.  A remote scheduler can require
TLS: pass a :class:`distributed.Security` (``--tls-ca-file``, ``--tls-cert``,
``--tls-key`` on the command line).
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Sequence

from .profile import Profile
from .sweep_status import execute, needs_cnn, plan, profile_context, result_row, run_provenance

LOOPBACK = "127.0.0.1"
# Fault injection for tests: the first chunk that finds this file absent
# creates it and kills its own worker process with SIGKILL.
FAULT_ENV = "MRCNN_FAULT_KILL_WORKER_ONCE"

_CTX: dict = {}
_PROV: dict = {}


def _worker_context(prof: Profile, dataset: str, weights, backbone, cnn: bool = True,
                    experiment: str = "main"):
    key = (prof.digest, dataset, weights, backbone, cnn, experiment == "pairs")
    if key not in _CTX:
        _CTX[key] = profile_context(prof, dataset, weights, backbone, cnn=cnn,
                                    experiment=experiment)
    return _CTX[key]


def run_chunk(prof: Profile, dataset: str, experiment: str, keys: Sequence[str],
              plan_kw: dict, weights=None, backbone=None, batch_size="auto") -> dict:
    """Run the planned runs whose keys are given (on a worker); return rows and provenance."""
    fault = os.environ.get(FAULT_ENV)
    if fault and not Path(fault).exists():
        Path(fault).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    ctx = _worker_context(prof, dataset, weights, backbone,
                          needs_cnn(prof, experiment, dataset, plan_kw.get("methods")), experiment)
    wanted = set(keys)
    specs = [s for s in plan(prof, experiment, dataset, ctx, **plan_kw) if s.key in wanted]
    pkey = (prof.digest, dataset, experiment)
    if pkey not in _PROV:
        _PROV[pkey] = run_provenance(prof, experiment, dataset, ctx, executor="dask worker",
                                     worker_pid=os.getpid())
    out: list = []
    try:
        execute(specs, prof, ctx, "", lambda s, r, c: out.append((r, c if s.keep_curves else None)),
                batch_size)
    except Exception as e:  # the trainer stopped: the chunk's other runs are stored as failed
        got = {r["run_key"] for r, _ in out}
        for s in specs:
            if s.key not in got:
                out.append((result_row(s, prof, ctx.weights, ctx.backbone, "", float("nan"), float("nan"),
                                 status="failed", error=f"{type(e).__name__}: {e}"), None))
    missing = wanted - {s.key for s in specs}
    if missing:  # the worker planned differently (other data or weights): refuse, loudly
        raise RuntimeError(f"{len(missing)} run keys of this chunk are not in the worker's plan; "
                           "does the worker see the same data and weights as the driver?")
    return {"rows": out, "provenance": _PROV[pkey]}


def local_cluster(workers: int, security=None, threads: int = 1):
    """A LocalCluster of ``workers`` processes that listens on loopback only."""
    from dask.distributed import LocalCluster

    kw = {"security": security, "protocol": "tls://"} if security is not None else {}
    return LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                        host=LOOPBACK, dashboard_address=None, **kw)


def run_distributed(todo, *, prof: Profile, dataset: str, experiment: str, plan_kw: dict,
                    store, record, weights=None, backbone=None, batch_size="auto",
                    workers: int = 0, scheduler: str | None = None, security=None,
                    chunk: int | None = None, retries: int = 2) -> None:
    """Send ``todo`` to Dask in chunks; ``record(spec, row, curves)`` each row on arrival."""
    from dask.distributed import Client, as_completed

    cluster = None
    if scheduler:
        client = connect(scheduler, security)
    else:
        cluster = local_cluster(max(1, workers), security)
        client = Client(cluster, security=security)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        size = chunk or max(1, min(64, -(-len(todo) // (4 * n_workers))))
        # chunks of one kind of run (method / study variant group) keep batches homogeneous
        order = sorted(range(len(todo)), key=lambda i: (todo[i].method, i))
        chunks = [[todo[i] for i in order[j:j + size]] for j in range(0, len(order), size)]
        by_key = {s.key: s for s in todo}
        stored = store.done_keys()
        prov_ids: dict = {}
        futures = {client.submit(run_chunk, prof, dataset, experiment, [s.key for s in c],
                                 plan_kw, weights, backbone, batch_size, retries=retries,
                                 pure=False): c for c in chunks}
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as e:  # the chunk failed on every try: store its runs as failed
                for s in futures[fut]:
                    if s.key not in stored:
                        row = result_row(s, prof, "", "", "", float("nan"), float("nan"),
                                   status="failed", error=f"worker: {type(e).__name__}: {e}")
                        record(s, row, None)
                        stored.add(s.key)
                continue
            pj = json.dumps(res["provenance"], sort_keys=True, default=str)
            if pj not in prov_ids:
                prov_ids[pj] = store.add_provenance(res["provenance"])
            for row, curves in res["rows"]:
                if row["run_key"] in stored:
                    continue  # a chunk that ran twice: its rows are stored once
                row["prov_id"] = prov_ids[pj]
                record(by_key[row["run_key"]], row, curves)
                stored.add(row["run_key"])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# seconds to reach a scheduler before giving up with a message (tests shorten it)
CONNECT_TIMEOUT = float(os.environ.get("MRCNN_DASK_CONNECT_TIMEOUT", "15"))


def connect(address: str, security=None, timeout: float | None = None):
    """A Dask client of the scheduler at ``address``, or an OSError that names it."""
    from dask.distributed import Client

    timeout = float(os.environ.get("MRCNN_DASK_CONNECT_TIMEOUT", CONNECT_TIMEOUT)) \
        if timeout is None else timeout
    try:
        return Client(address, security=security, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise OSError(f"cannot reach the Dask scheduler {address!r} within {timeout:g} s "
                      f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
    except (ValueError, TypeError) as e:  # a malformed address
        raise ValueError(f"bad Dask scheduler address {address!r}: {e}") from None


def security_from_files(ca: str | None, cert: str | None, key: str | None):
    """A TLS :class:`distributed.Security` from certificate files (all three, or none)."""
    given = [x for x in (ca, cert, key) if x]
    if not given:
        return None
    if len(given) != 3:
        raise ValueError("TLS needs --tls-ca-file, --tls-cert and --tls-key together")
    for f in given:
        if not Path(f).is_file():
            raise ValueError(f"TLS file {f!r} does not exist")
    import ssl

    from dask.distributed import Security

    sec = Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key,
                   require_encryption=True)
    try:  # read the files now: garbage fails here, naming them, not deep in a connection
        sec.get_connection_args("client")
    except (ssl.SSLError, OSError, ValueError) as e:
        raise ValueError(f"TLS files {ca}, {cert}, {key} cannot be used: "
                         f"{getattr(e, 'reason', None) or e}") from None
    return sec
