"""Suggestions for mistyped names: 'did you mean X? Known: ...', used by every registry."""

from __future__ import annotations

import re

# A name that becomes a file or folder name (a figure, a batch experiment): no path, no dot
# file, no shell-hostile or invisible characters, and short enough for any file system.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def is_file_name(name) -> bool:
    return isinstance(name, str) and FILE_NAME.fullmatch(name) is not None


def suggest(word: str, choices) -> str:
    """'; did you mean X? Known: ...' — the tail of an unknown-name message."""
    choices = sorted(choices)
    close = closest(word, choices)
    hint = f"; did you mean {close!r}?" if close else "."
    return f"{hint} Known: {', '.join(choices)}."


def closest(word: str, choices) -> str | None:
    """The choice with the fewest typos (edits, counting a swap of neighbours as one), if any
    is within a third of the word's length (at least 2)."""
    word = str(word)
    scored = sorted((_typos(word.lower(), c.lower()), abs(len(c) - len(word)), c) for c in choices)
    if scored and scored[0][0] <= max(2, len(word) // 3):
        return scored[0][2]
    return None


def _typos(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 run", "2 runs", "1,000 starts"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
