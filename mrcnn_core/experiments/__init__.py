"""Profiles, the sweep runner, the results store and their analysis."""
from .profile import Profile, ProfileError, load_profile
from .runner import SweepSummary, load_context, plan, profile_context, status, sweep
from .store import ResultsStore, StoreError

__all__ = ["Profile", "ProfileError", "ResultsStore", "StoreError", "SweepSummary",
           "load_context", "load_profile", "plan", "profile_context", "status", "sweep"]
