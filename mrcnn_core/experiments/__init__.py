"""Profiles, the sweep (driver, status) and the results store.

The names below load on first use (PEP 562), so that importing one module of this package
(``experiments.store``, say, from the read-only analysis) does not import the sweep's
driver and status with it: the layers stay apart at run time too.
"""
from importlib import import_module

_WHERE = {"Profile": "profile", "ProfileError": "profile", "load_profile": "profile",
          "studies_profile": "profile",
          "SweepStopped": "driver", "sweep": "driver",
          "SweepSummary": "sweep_status", "load_context": "sweep_status", "plan": "sweep_status",
          "profile_context": "sweep_status", "status": "sweep_status",
          "ResultsStore": "store", "StoreError": "store", "store_folders": "store"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
