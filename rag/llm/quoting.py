"""Untrusted text (company input, past judgments) rendered as a quoted, inert JSON string."""

from __future__ import annotations

import json
import re
import unicodedata

# Angle brackets would let text forge the `<<<BLOCK` / `BLOCK>>>` delimiters of the user prompt.
_ANGLES = str.maketrans({"<": "‹", ">": "›"})
# C0/C1 controls, line/paragraph separators and bidi overrides (which can hide text from reviewers).
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def neutralise(text: str, cap: int) -> str:
    """NFC text without controls or angle brackets, cut to `cap` characters (an ellipsis marks a cut)."""
    clean = _INVISIBLE.sub(" ", unicodedata.normalize("NFC", text)).translate(_ANGLES).strip()
    return clean if len(clean) <= cap else clean[:cap].rstrip() + "…"


def quote_data(text: str, cap: int) -> str:
    """`neutralise`d text as one JSON string literal: quotes and newlines are escaped."""
    return json.dumps(neutralise(text, cap), ensure_ascii=False)
