"""Argument types and options that several commands share."""
from __future__ import annotations

import argparse


def ints(s: str) -> list[int]:
    """``0,1,2`` -> ``[0, 1, 2]``, or a one-line error naming the value."""
    try:
        return [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None


def positive(s: str) -> int:
    """An integer >= 1 (``--batch-size 0`` or ``-2`` used to run silently as auto or 1)."""
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {v}")
    return v


def names(s: str) -> list[str]:
    """``a, b,`` -> ``["a", "b"]`` (comma-separated names, blanks dropped)."""
    return [x.strip() for x in s.split(",") if x.strip()]


def add_tls(p: argparse.ArgumentParser) -> None:
    """The TLS files of a Dask scheduler (sweep and batch)."""
    p.add_argument("--tls-ca-file", help="TLS: the CA certificate (with --tls-cert, --tls-key)")
    p.add_argument("--tls-cert", help="TLS: this client's certificate")
    p.add_argument("--tls-key", help="TLS: this client's private key")


def profiles_help() -> str:
    from ..experiments.profile import shipped_profiles

    return f"a shipped profile ({', '.join(shipped_profiles())}) or a YAML file"


def retake_sigterm(a: argparse.Namespace) -> None:
    """Import the backend, then take SIGTERM again (a library may install its own handler)."""
    import keras  # noqa: F401

    getattr(a, "_on_term", lambda: None)()
