"""``json.dumps(value, ensure_ascii=False, indent=1)``, byte for byte, several times faster.

With ``indent`` the standard library formats in pure Python; ``claims.json`` holds one such record per
published claim (18,000 at M), written on every build. Here strings go through the C escaper and the
layout is joined directly. Anything but str keys and JSON's plain types falls back to ``json.dumps``.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C escaper where the accelerator is built (ensure_ascii=False)


class _Unusual(Exception):
    """A value this module does not format itself."""


def dumps_indent1(value) -> str:
    """What ``json.dumps(value, ensure_ascii=False, indent=1)`` returns."""
    out: list[str] = []
    try:
        _emit(value, out, "\n")
    except _Unusual:
        return json.dumps(value, ensure_ascii=False, indent=1)
    return "".join(out)


def _emit(v, out: list[str], nl: str) -> None:
    if isinstance(v, str):
        out.append(encode_basestring(v))
    elif v is None or v is True or v is False:
        out.append("null" if v is None else "true" if v else "false")
    elif isinstance(v, int | float):
        out.append(json.dumps(v))
    elif isinstance(v, dict):
        _container(v.items(), "{", "}", out, nl, keyed=True)
    elif isinstance(v, list | tuple):
        _container(v, "[", "]", out, nl, keyed=False)
    else:
        raise _Unusual


def _container(items, open_: str, close: str, out: list[str], nl: str, keyed: bool) -> None:
    inner = nl + " "
    sep = inner
    out.append(open_)
    for item in items:
        out.append(sep)
        sep = "," + inner
        if keyed:
            key, item = item
            if not isinstance(key, str):
                raise _Unusual
            out.append(encode_basestring(key))
            out.append(": ")
        _emit(item, out, inner)
    if sep is inner:  # empty: "{}" or "[]", as json writes them
        out[-1] = open_ + close
    else:
        out.append(nl + close)
