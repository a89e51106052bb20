"""Profiles, the sweep runner, the results store and their analysis."""
from .profile import Profile, ProfileError, load_profile
from .driver import SweepStopped, sweep
from .runner import SweepSummary, load_context, plan, profile_context, status
from .store import ResultsStore, StoreError

__all__ = ["Profile", "ProfileError", "ResultsStore", "StoreError", "SweepStopped", "SweepSummary",
           "load_context", "load_profile", "plan", "profile_context", "status", "sweep"]
