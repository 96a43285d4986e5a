"""Errors a person can act on: each is reported as one line on stderr with a non-zero exit."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; reported as one line on stderr with a non-zero exit."""

    exit_code = 2
