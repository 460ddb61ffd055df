"""What every claim check is made of: the result it returns, and the run a claim names by its
number (from 1, in the order of the recipe's ``runs``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import InputError
from ..core.names import count


@dataclass(frozen=True, kw_only=True)
class ClaimResult:
    ok: bool
    statement: str

    @classmethod
    def of(cls, ok, statement: str) -> ClaimResult:
        return cls(ok=bool(ok), statement=statement)


def run_of(result, params, key="run"):
    """The run that ``params[key]`` numbers."""
    index = params[key]
    if not 1 <= index <= len(result.runs):
        raise InputError(f"claim refers to run {index}, but there "
                         f"{'is' if len(result.runs) == 1 else 'are'} "
                         f"{count(len(result.runs), 'run')}")
    return result.runs[index - 1]
