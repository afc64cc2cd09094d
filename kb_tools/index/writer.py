"""The claim search index: a Whoosh index of published claims, written atomically.

The index is self-contained: besides the claims it stores, in ``kb-index.json``,
the condition vocabulary and the lay-term map the query engine expands with, so
``kb search`` and ``kb serve`` answer from the index alone and a rebuild that
changes the vocabulary takes effect when the new index is swapped in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from whoosh import index as whoosh_index

from ..check.policy import Report, claim_grade
from ..config.kbconfig import KbConfig
from ..core import urls
from ..core.errors import BuildError
from ..core.model import Claim, Page, Source
from ..load import citations
from ..load.conditions import ConditionMatcher
from ..load.layterms import read_lay_terms
from ..load.pageblocks import labelled_row
from ..store.files import cache_key, digest, refuse_to_replace, swap_in
from .acronyms import acronyms
from .schema import DOCS_FILE, META_FILE, SCHEMA_VERSION, WORDS_FILE, SourceRef, read_meta, schema

MAX_STALE = 0.2  # rebuild from scratch once a fifth of the documents were replaced or removed by updates
MIN_STALE = 1000  # ... and more than this many: below it, deleted documents cost searches next to nothing
WRITER_LIMIT_MB = 128  # the posting pool; past it Whoosh sorts runs on disk (100,000 claims spill a little)

_LINK, _EMPHASIS, _WORD = re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), re.compile(r"(\*\*|__|\*|`)"), re.compile(r"\w+")


def plain_text(markdown: str, stripped: str | None = None) -> str:
    """Claim text as readers see it: citations (unless already ``stripped``), link targets and emphasis removed."""
    text = _LINK.sub(r"\1", citations.strip(markdown) if stripped is None else stripped)
    return " ".join(_EMPHASIS.sub("", text).split())


def index_text(claim: Claim) -> str:
    """The claim text the index holds and results show: a list item with its lead-in, a table row with its headings."""
    text = plain_text(claim.text, claim.shown)
    return labelled_row(text, claim.headers) if claim.headers else text


def claim_document(  # noqa: PLR0913 - one claim's parts, each from another stage
    config: KbConfig, page: Page, claim: Claim, sources: dict[str, Source], styled, order: int,
    matcher=None, cited_cache: dict | None = None, support=(),
) -> dict:  # fmt: skip
    """One claim as a Whoosh document (``cited_cache`` keeps each source's parts across a KB's claims)."""
    cache = {} if cited_cache is None else cited_cache
    cited = [_cited(cache, sources[k], styled) for k in claim.keys if k in sources]
    authors = " ".join(c[1] for c in cited if c[1])
    text = index_text(claim)
    names = " ".join(c.name + " " + " ".join(c.synonyms) for c in config.conditions if c.id in claim.conditions)
    titles = [c[2] for c in cited]
    return {
        "id": claim.id,
        "text": text,
        "title": page.title,
        "section": claim.section,
        "conditions": ",".join(claim.conditions),
        "roles": ",".join(f"{c}:{r}" for c, r in claim.condition_roles),
        "role": ",".join(dict.fromkeys(r for _, r in claim.condition_roles)),
        "named": ",".join(matcher.match(text)) if matcher else "",
        "sources": ",".join(claim.keys),
        "own": " ".join([text, page.title, claim.section]),
        "cited": " ".join([authors, *titles]),
        "years": ",".join(sorted({c[3] for c in cited if c[3]})),
        **_grade_fields(claim_grade(config, claim.keys, sources)),
        "sourcetypes": ",".join(sorted({c[0]["sourcetype"] for c in cited if c[0]["sourcetype"] in config.accept})),
        "page": page.path,
        "url": urls.claim_url(page.path, claim.id),
        "refs": [dict(c[0]) for c in cited],
        "support": [s.as_dict() for s in support],
        "_words": " ".join([text, page.title, claim.section, authors, names, *titles]),
        "order": order,
    }


def _grade_fields(grade) -> dict:
    return {"evidence": grade.evidence, "design": grade.design, "authorities": ",".join(grade.authorities)}


def _cited(cache: dict, s: Source, styled) -> tuple:
    """(result ref, authors, title, year) of a cited source, worked out once per source."""
    got = cache.get(s.key)
    if got is None:
        ref = asdict(SourceRef(s.key, _short(styled, s.key), s.sourcetype, s.evidence, s.design, s.authority))
        got = cache[s.key] = (ref, source_names(s), s.title, s.year)
    return got


def source_names(s: Source) -> str:
    """Who a source is searched by: its authors, the organisations that published or issued it ("NICE",
    "WHO"), and their acronyms, though only the full name is written ("EMA", "AASM": kb_tools.index.acronyms)."""
    orgs = [s.field(n) for n in ("institution", "organization", "publisher") if s.field(n)]
    return " ".join([*(str(a) for a in s.authors), *orgs, *acronyms(s)])


def _short(styled, key: str) -> str:
    try:
        return styled.short(key) if styled is not None else key
    except (KeyError, IndexError, AttributeError):
        return key


def published_claims(report: Report):
    """(page, claim) for every claim on a published page, in site order."""
    for page in report.catalogue.pages:
        if page.draft:
            continue
        for claim in page.claims:
            yield page, claim


# Question and filler words dropped from a query before matching, in every KB, so "can teenagers get it"
# searches for "teenagers". Whoosh's own English stop words (a, the, is, it, can, ...) are dropped as well.
_QUESTION_TEXT = """
what which who whom whose why how where does do did doing done i me my mine myself our ours he him his
she her they them their its was were been being am has had having get gets getting got could should
would shall might must there here any some much many really actually also just very too so than then
about into over tell know want need please thing things use used using take taking someone somebody
anyone people person give given make like
"""
QUESTION_WORDS = tuple(_QUESTION_TEXT.split())


def load_lay_terms(config: KbConfig | None = None) -> dict:
    """The question words, with the KB's own ``lay_terms.yml`` laid over them (kb ships no lay terms)."""
    stop = list(QUESTION_WORDS)
    terms: dict[str, list[str]] = {}
    if config is not None:
        words, terms, findings = read_lay_terms(config.root)
        if findings:  # ``kb check`` reports it first; here only for a build that skipped the check
            f = findings[0]
            raise BuildError(f"{f.location.path}:{f.location.line}: {f.message}")
        stop += [w.lower() for w in words]
    return {"stop_words": sorted(set(stop)), "terms": terms}


def index_meta(config: KbConfig) -> dict:
    """What the index stores besides its documents: the vocabulary the query engine expands with, and the key
    that says whether an existing index can be updated rather than rebuilt."""
    meta = {  # the designs, strongest first, are the design facet's order and sort=design
        "site_name": config.site_name,
        "conditions": [{"id": c.id, "name": c.name, "synonyms": list(c.synonyms)} for c in config.conditions],
        "lay_terms": load_lay_terms(config),
        "designs": list(config.designs),
    }
    meta["config_key"] = _config_key(config, meta)
    return meta


def claim_documents(config: KbConfig, report: Report, styled, wanted: set[str] | None = None) -> Iterator[tuple]:
    """(document, words, site order) of each published claim (or of the ``wanted`` ids), made one at a time:
    all of them at once would be gigabytes at scale."""
    sources = report.catalogue.source_map()
    matcher = ConditionMatcher(config.conditions)
    cited: dict = {}
    for n, (p, c) in enumerate(published_claims(report)):
        if wanted is None or c.id in wanted:
            doc = claim_document(config, p, c, sources, styled, n, matcher, cited, report.support.get(c.id, ()))
            yield doc, doc.pop("_words"), doc.pop("order")


def write_index(config: KbConfig, report: Report, styled, target: Path, *, previous: Path | None = None) -> None:
    """Index the published claims into ``target`` (see ``store_index``)."""
    meta = index_meta(config)
    store_index(meta, lambda wanted=None: claim_documents(config, report, styled, wanted), target, previous=previous)


def store_index(
    base_meta: dict,
    documents: Callable[..., Iterable[tuple]],
    target: Path,
    *,
    previous: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the documents (``documents(wanted=None)`` gives them, as ``claim_documents`` does) into ``target``,
    replacing any index there only once the new one is complete.

    When ``previous`` (by default ``target`` itself) holds a complete index written with the same schema,
    code, configuration and vocabulary, it is updated instead of rebuilt: a copy of it in the staging folder
    gets the changed and removed claims deleted by id and the changed and new ones added, so a one-page edit
    costs a few documents, not the whole index. Anything else (or too many changes) is a full rebuild.
    ``progress(done, total)`` is told how many of the documents to add are in.
    """
    target = Path(target)
    previous = target if previous is None else Path(previous)
    refuse_to_replace(target, META_FILE, "index_dir")  # the plugin's path; kb build checked before building
    meta, vocabulary, prints, orders = _survey(base_meta, documents())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        plan = _update_plan(previous, meta, prints)
        added, deleted = _write_documents(tmp, previous, plan, documents, meta["claims"], progress)
        meta["update"] = {"incremental": plan is not None, "added": added, "deleted": deleted}
        (tmp / WORDS_FILE).write_text(json.dumps(dict(sorted(vocabulary.items()))), encoding="utf-8")
        (tmp / DOCS_FILE).write_text(json.dumps({"prints": prints, "order": orders}), encoding="utf-8")
        # written last: a folder with this file is a complete index
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        swap_in(tmp, target)
    except OSError as exc:
        raise BuildError(f"{target}: could not write the search index ({exc}); the previous index is kept") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _survey(base_meta: dict, docs: Iterable[tuple]) -> tuple[dict, Counter[str], dict[str, str], dict[str, int]]:
    """One pass over every document: the index's meta, its word counts, and each claim's fingerprint and order."""
    vocabulary: Counter[str] = Counter()
    prints: dict[str, str] = {}
    orders: dict[str, int] = {}
    pages: set[str] = set()
    cited_keys: set[str] = set()
    claims = 0
    for doc, words, order in docs:
        claims += 1
        vocabulary.update(set(_WORD.findall(words.lower())))
        orders[doc["id"]] = order
        prints[doc["id"]] = _fingerprint(doc)
        pages.add(doc["page"])
        cited_keys.update(r["key"] for r in doc["refs"])
    meta = {
        "schema_version": SCHEMA_VERSION,
        "build_id": uuid.uuid4().hex,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "site_name": base_meta["site_name"],
        "claims": claims,
        "pages": len(pages),
        "sources": len(cited_keys),
        "conditions": base_meta["conditions"],
        "lay_terms": base_meta["lay_terms"],
        "designs": base_meta.get("designs", []),
        "config_key": base_meta["config_key"],
    }
    return meta, vocabulary, prints, orders


def _write_documents(tmp: Path, previous: Path, plan, documents, claims: int, progress) -> tuple[int, int]:
    """Fill ``tmp`` with a Whoosh index: ``previous`` updated by ``plan``, or (no plan) every document afresh.

    Returns how many documents were added and deleted.
    """
    if plan is not None:
        shutil.rmtree(tmp)
        shutil.copytree(previous, tmp, ignore=shutil.ignore_patterns(META_FILE, "*.lock", "*_LOCK"))
        ix = whoosh_index.open_dir(str(tmp))
        changed, delete = plan
    else:
        ix = whoosh_index.create_in(str(tmp), schema())
        changed, delete = None, set()
    writer = ix.writer(limitmb=WRITER_LIMIT_MB, procs=1)  # procs=2 is slower on small machines
    added = 0
    to_add = claims if changed is None else len(changed)
    if progress is not None:
        progress(0, to_add)
    try:
        for cid in sorted(delete):
            writer.delete_by_term("id", cid)
        for doc, _, _ in documents(changed):
            writer.add_document(**doc)
            added += 1
            if progress is not None:
                progress(added, to_add)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    ix.close()
    return added, len(delete)


def _fingerprint(doc: dict) -> str:
    return digest(json.dumps(doc, sort_keys=True))


def _config_key(config: KbConfig, meta: dict) -> str:
    """What the index depends on besides its documents (each has its own fingerprint): kb_tools' code (the
    schema with it) and Whoosh's version (``storage.cache_key``), the policy, the citation style, the
    vocabulary and the design order. Not the whole config: ``kb build`` points ``site_dir`` at a new staging
    folder every time, which would make every build a full rebuild."""
    return cache_key(
        repr((config.accept, config.severity, config.conditions, config.csl)),
        json.dumps([meta["conditions"], meta["lay_terms"], meta["site_name"], meta["designs"]], sort_keys=True),
    )


def _update_plan(previous: Path, meta: dict, prints: dict[str, str]) -> tuple[set[str], set[str]] | None:
    """(changed or new ids to add, ids to delete) to update ``previous`` with, or None for a full rebuild."""
    old_meta = read_meta(previous)
    if not old_meta or old_meta.get("config_key") != meta["config_key"] or len(prints) != meta["claims"]:
        return None  # (claims sharing an id cannot be told apart by id: rebuild)
    try:
        old = json.loads((previous / DOCS_FILE).read_text(encoding="utf-8"))["prints"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    changed = {cid for cid, fp in prints.items() if old.get(cid) != fp}
    removed = set(old) - set(prints)
    # deleted documents stay in the postings until their segment is rewritten: rebuild once they pile up
    delete = (changed & set(old)) | removed
    stale = int(old_meta.get("stale", 0)) + len(delete)
    if stale > max(MAX_STALE * len(prints), MIN_STALE):
        return None
    meta["stale"] = stale
    return changed, delete
