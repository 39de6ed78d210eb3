"""identity's own signals, for apps above it (identity imports none of them: they listen here)."""

from django.dispatch import Signal

# A person completed real-name sign-up (sent inside the registration's transaction; a receiver that
# acts on it defers its work until after commit). Arguments: ``user``.
registration_completed = Signal()
