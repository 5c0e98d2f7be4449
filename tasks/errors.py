"""The one base of claimvlm's expected errors.

An expected error is one a user can act on (a missing font, a bad parameter, a dataset the build
did not write, a refused registry move): commands print its message and exit non-zero without a
traceback. Anything else (a bare ValueError, a KeyError) is a bug and keeps its traceback.
"""

from __future__ import annotations


class ClaimvlmError(Exception):
    """Base of every error claimvlm raises on purpose for a user to read."""
