"""Filling HTML templates safely: one pass, each value escaped for the context it lands in.

A template names the context of every hole next to where it is used, ``{{title:text}}``,
``{{data:json}}``, ``{{href:url}}``, so the escaping cannot be forgotten or applied twice, and
text pasted in is never read again as a hole (a title of ``{{data}}`` stays those eight
characters). The contexts:

- ``text``: HTML text or a quoted attribute value (``& < > " '`` escaped);
- ``url``: a relative link made of a file name (percent-encoded, never a scheme);
- ``json``: a value as JSON inside ``<script>`` (``<``, ``>``, ``&`` and the two line
  separators as ``\\u`` escapes, so no ``</script>`` or ``<!--`` can end or bend the script);
- ``base64``: base64 data (checked to be only that);
- ``asset``: our own CSS or JavaScript, made by adamviz (checked not to close its element).
"""

from __future__ import annotations

import json
import re
from html import escape
from urllib.parse import quote

_HOLE = re.compile(r"\{\{(\w+):(\w+)\}\}")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")
_CLOSERS = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


def script_json(value) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, separators=(",", ":"))  # NaN and Infinity: JavaScript's own
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def url(name: str) -> str:
    """A relative link to the file ``name`` (no scheme, no folder: ``javascript:`` or
    ``../`` cannot come through)."""
    return quote(str(name), safe="")


def _base64(value: str) -> str:
    if not _BASE64.fullmatch(value):
        raise ValueError("not base64 data")
    return value


def _asset(value: str) -> str:
    if _CLOSERS.search(value):
        raise ValueError("an asset may not close its element or open a comment")
    return value


CONTEXTS = {"text": lambda v: escape(str(v), quote=True), "url": url, "json": script_json,
            "base64": _base64, "asset": _asset}


def fill(template: str, **values) -> str:
    """``template`` with every ``{{name:context}}`` replaced, in one pass, by ``values[name]``
    escaped for ``context``; a hole without a value, or a value without a hole, is a bug."""
    used = set()

    def replace(match) -> str:
        name, context = match.groups()
        used.add(name)
        return CONTEXTS[context](values[name])

    out = _HOLE.sub(replace, template)
    if used != set(values):
        raise KeyError(f"values without a hole: {sorted(set(values) - used)}")
    return out
