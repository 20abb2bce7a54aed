"""One rule for text typed or imported by users: control characters never reach the database.

A NUL byte breaks PostgreSQL ("string literal cannot contain NUL"), and the other C0/C1 controls are
illegal in XML 1.0, so a name holding one stored fine and then broke every .xlsx and .docx export
that included it. Forms, API serializers and imports all pass text through `clean_text`; exports
additionally pass it through `xml_safe` so text stored before this rule never breaks a file either.
"""

import re
import unicodedata

# What text comparison ignores: whitespace, punctuation and symbols, in any script (the reuse engine and the plan
# checks share it; here, away from the engine's numpy, so a page that compares two titles stays light).
PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)

# C0 controls except tab/newline/carriage return, DEL, C1 controls, lone surrogates, the two
# non-characters XML forbids, and the bidi overrides that make a name display differently from its bytes.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\r\n\u2028\u2029]+")


def clean_text(value, *, multiline=False):
    """Text with control characters removed and Unicode normalised (NFC); single-line text also loses
    tabs and line breaks (they become one space). Non-strings are returned as they are."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    else:
        value = _LINE_BREAKS.sub(" ", value)
    return _CONTROLS.sub("", value)


def has_controls(value):
    return isinstance(value, str) and bool(_CONTROLS.search(value))


def xml_safe(value):
    """What .xlsx and .docx can hold: characters XML 1.0 forbids are dropped."""
    if not isinstance(value, str):
        return value
    return _XML_ILLEGAL.sub("", value)
