"""The engine's rules as the browser's static search reads them: ``rules`` and ``stems`` in ``search-data.json``.

Where the browser and ``/api/search`` must agree, the browser's rules come from here at build time, never from a
copy kept by hand in its scripts (``assets/kb-search-*.js`` run them):

* the index's analyzer: its tokenizer's pattern, its lower-casing, stop words and shortest word; ``stems`` (beside
  the rules) gives the stem of every word of the KB's own text as the analyzer gives it, so the browser's words
  group as the index's do; a word the KB lacks (a reader's) is stemmed by Whoosh's Porter stemmer, which the query
  reader uses for lay terms too, as its own suffix lists and patterns (the scripts take its steps in
  ``whoosh.lang.porter.stem``'s order);
* the query's syntax (``query``): its token pattern, field prefixes, operators and error messages; and the KB's
  vocabulary as the engine reads it (``Vocabulary``: condition phrases, lay terms by stems, stop words);
* matching and ranking: the fields a word matches in, the boosts, BM25F's parameters per field, Whoosh's
  field-length encoding, the flat score of a word in most claims, the tiers (``whooshquery``, ``matchsets``,
  ``ranking``); compound words, spelling corrections, facets and sorts.

Python's regular expressions are written for JavaScript (``js_pattern``); Whoosh's ``re.match`` patterns are
anchored where the scripts compile them, so they match only at the start, as in Python.
"""

from __future__ import annotations

from collections.abc import Iterable

from whoosh.analysis.tokenizers import RegexTokenizer, default_pattern
from whoosh.lang import porter
from whoosh.util.numeric import byte_to_length

from ..index.schema import schema
from . import compounds, engine, facets, matchsets, params, query, ranking, results, whooshquery

# a word character, as Python's ``\w`` reads one (letters, digits, underscore); inside [...] and alone
_WORD_IN_CLASS = r"\p{L}\p{N}_"
_JS_ESCAPES = {r"\w": (_WORD_IN_CLASS, f"[{_WORD_IN_CLASS}]"), r"\d": (r"\p{Nd}", r"\p{Nd}")}
_PORTER_PATTERNS = ("mgr0", "meq1", "mgr1", "s_v", "c_v", "ed_ing", "at_bl_iz", "step1b", "step2", "step3")
_PORTER_PATTERNS += ("step4_1", "step4_2", "step5")
# filter fields: how the index reads a value (split at commas? lower-cased?), probed with this value
_PROBE = " Ab, Cd "


def js_pattern(pattern: str) -> str:
    """A Python regular expression as JavaScript's ``RegExp`` (flag ``u``) reads it: named groups, ``\\w``, ``\\d``."""
    pattern = pattern.replace("(?P<", "(?<")
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            two = pattern[i : i + 2]
            out.append(_JS_ESCAPES[two][0 if in_class else 1] if two in _JS_ESCAPES else two)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            j = i + 1 + (pattern[i + 1 : i + 2] == "^")
            out.append(pattern[i:j] + ("\\]" if pattern[j : j + 1] == "]" else ""))  # "]" first is a literal
            i = j + (pattern[j : j + 1] == "]")
            continue
        in_class = in_class and c != "]"
        out.append(c)
        i += 1
    return "".join(out)


def text_analyzer():
    """The analyzer of the index's claim text, own words and cited words (one ``StemmingAnalyzer``)."""
    return schema()["text"].analyzer


def analyzer_rules(analyzer) -> dict:
    """The analyzer's steps: tokenizer, lower-casing, stop words with the shortest word kept, stemmer."""
    out: dict = {"pattern": "", "lower": False, "stop": [], "minsize": 1, "maxsize": None, "porter": False}
    for item in analyzer.items:
        name = type(item).__name__
        if name == "RegexTokenizer":
            out["pattern"] = js_pattern(item.expression.pattern)
        elif name == "LowercaseFilter":
            out["lower"] = True
        elif name == "StopFilter":
            out.update(stop=sorted(item.stops), minsize=item.min, maxsize=item.max)
        elif name == "StemFilter" and item.stemfn is porter.stem and not item.ignore:
            out["porter"] = True  # another stemmer: the browser has only ``stems`` for the KB's own words
    return out


def porter_rules() -> dict:
    """Whoosh's Porter stemmer as data: its patterns (anchored at the start, as ``re.match`` is) and suffix lists."""
    patterns = {name: js_pattern(getattr(porter, "_" + name).pattern) for name in _PORTER_PATTERNS}
    return {"patterns": patterns, "step2": dict(porter._step2list), "step3": dict(porter._step3list)}


def stems(texts: Iterable[str], analyzer=None) -> dict[str, str]:
    """The analyzer's stem of each word of ``texts`` whose stem is not the word itself: stem -> its words, spaced."""
    analyzer = analyzer or text_analyzer()
    fast = _one_pass(analyzer)
    words = sorted(_words(texts, analyzer.items[0], fast))
    out: dict[str, list[str]] = {}
    for word, got in zip(words, _analyzed(words, analyzer, fast), strict=True):
        if len(got) == 1 and got[0] != word:
            out.setdefault(got[0], []).append(word)
    return {stem: " ".join(ws) for stem, ws in sorted(out.items())}


_ONE_TO_ONE = {"LowercaseFilter", "StopFilter", "StemFilter"}  # each token in, one token (or none) out, same offsets


def _one_pass(analyzer) -> bool:
    """Whether whole texts can be tokenized and analyzed at once: Whoosh's default word pattern (word characters
    joined by single dots, so no token crosses a space or line break) and filters that keep each token's offsets."""
    tokenizer, *filters = analyzer.items
    return (
        isinstance(tokenizer, RegexTokenizer)
        and not tokenizer.gaps
        and tokenizer.expression.pattern == default_pattern.pattern
        and all(type(f).__name__ in _ONE_TO_ONE for f in filters)
    )


def _words(texts: Iterable[str], tokenizer, fast: bool) -> set[str]:
    """The lower-cased tokens of ``texts``: one search of the texts joined by line breaks finds the same tokens."""
    if not fast:
        return {t.text.lower() for text in texts for t in tokenizer(text)}
    return {w.lower() for w in {m.group() for m in tokenizer.expression.finditer("\n".join(texts))}}


def _analyzed(words: list[str], analyzer, fast: bool) -> list[list[str]]:
    """What the analyzer makes of each word on its own, from one pass over all of them spaced where that is the
    same: a word that is one token (lower-casing can make it more) is the one token starting at its offset."""
    out: list[list[str]] = [[] for _ in words]
    starts: dict[int, int] = {}
    pos = 0
    expression = analyzer.items[0].expression if fast else None
    for i, w in enumerate(words):
        m = expression.match(w) if fast else None
        if m is not None and m.end() == len(w):
            starts[pos] = i
        else:
            out[i] = [t.text for t in analyzer(w)]
        pos += len(w) + 1
    if starts:
        for t in analyzer(" ".join(words), chars=True):
            i = starts.get(t.startchar)
            if i is not None:
                out[i].append(t.text)
    return out


def vocabulary_rules(meta: dict) -> dict:
    """The KB's vocabulary as the engine reads it from its index (``Vocabulary.from_meta``)."""
    v = query.Vocabulary.from_meta(meta)
    return {
        "conditions": [[cid, name, list(syns)] for cid, name, syns in v.conditions],
        "phrases": {" ".join(ws): cid for ws, cid in v.condition_phrases.items()},
        "lay": {" ".join(key): [" ".join(s) for s in standins] for key, standins in v.lay.items()},
        "stop": sorted(v.stop_words),
        "longest": v.longest,
    }


def _filter_fields() -> dict:
    """How the index reads the values of the fields the query filters on (``condition:``, ``-year:`` ...)."""
    s = schema()
    out = {}
    for kind, fname in query.FIELDS.values():
        if kind != "unit":
            toks = list(s[fname].process_text(_PROBE, mode="index"))
            out[fname] = {"split": len(toks) > 1, "lower": toks[0].strip().startswith("ab")}
    return out


def _ranking() -> dict:
    w = engine.weighting()
    fields = (matchsets.TEXT_FIELD, matchsets.OWN_FIELD, matchsets.CITED_FIELD, "conditions", "named")
    return {
        "k1": w.K1,
        "b": {f: w._field_B.get(f, w.B) for f in fields},
        # Whoosh keeps a document's field length in one byte: the lengths each byte stands for, shortest first
        "lengths": [byte_to_length(b) for b in range(256)],
        "cited_boost": whooshquery.CITED_BOOST,
        "condition_boost": whooshquery.CONDITION_BOOST,
        "expansion_boost": whooshquery.EXPANSION_BOOST,
        "unit_fields": {k: list(v) for k, v in whooshquery.UNIT_FIELDS.items()},
        "common_share": matchsets.COMMON_SHARE,
        "title_only": matchsets.TITLE_ONLY,
        "tier": ranking.TIER,
        "mark_joiners": results.MARK_JOINERS,
    }


def _messages() -> dict:
    return {
        "too_long": params.TOO_LONG.replace("{name}", "the query"),  # as the engine words it
        "no_words": engine.NO_WORDS,
        "common_only": engine.COMMON_ONLY,
        "needs_value": query.NEEDS_VALUE,
        "unknown_condition": query.UNKNOWN_CONDITION,
        "unknown_value": facets.UNKNOWN_VALUE,
        "unknown_sort": facets.UNKNOWN_SORT,
    }


def rules(meta: dict) -> dict:
    """Everything the browser reads and ranks a query with, for the KB whose index vocabulary is ``meta``'s
    (``conditions`` and ``lay_terms``, as ``kb_tools.index.writer.index_meta`` has them)."""
    return {
        "analyzer": analyzer_rules(text_analyzer()),
        "porter": porter_rules(),  # the query's lay terms are matched by Porter stems, whatever the analyzer
        "words": js_pattern(query.WORD.pattern),
        "query": {
            "token": js_pattern(query.TOKEN.pattern),
            "fields": {k: list(v) for k, v in query.FIELDS.items()},
            "operators": sorted(query.OPERATORS),
            "examples": dict(query.EXAMPLES),
            "max_chars": params.MAX_QUERY_CHARS,
            "max_limit": params.MAX_LIMIT,
        },
        "vocabulary": vocabulary_rules(meta),
        "filter_fields": _filter_fields(),
        "rank": _ranking(),
        "compounds": {"min_part": compounds.MIN_PART, "min_split": compounds.MIN_SPLIT},
        "corrections": {
            "min": whooshquery.FIX_MIN,
            "two_edits": whooshquery.TWO_EDITS,
            "prefix": whooshquery.FIX_PREFIX,
            "limit": whooshquery.FIX_LIMIT,
        },
        "facets": list(facets.FACETS),
        "facet_fields": dict(facets.FIELDS),
        "sorts": list(facets.SORTS),
        "messages": _messages(),
    }
