"""``/api/search``'s facets, sort and parameters under a real uvicorn, checked against claims.json, and the
engine's ranking, on the search fixture KB with the ``facets`` overlay (claims citing several sources of
different types and designs, about several conditions)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config.kbconfig import SOURCE_TYPES, load_config
from kb_tools.core.grading import DESIGNS
from kb_tools.load.catalogue import load_catalogue
from kb_tools.search.engine import Engine
from tests.conftest import KBS
from tests.serve.test_serve import build_site, request, uvicorn_serving

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    kb = tmp_path_factory.mktemp("facets") / "kb"
    shutil.copytree(KBS / "search", kb)
    for src in (KBS / "facets").rglob("*"):
        if src.is_file() and src.name != "README.md":
            dest = kb / src.relative_to(KBS / "facets")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest)
    build_site(kb)
    return kb


@pytest.fixture(scope="module")
def server(kb: Path):
    with uvicorn_serving(kb) as where:
        yield where


def api(server: str, params: dict) -> tuple[int, dict]:
    status, _, body = request(server, "GET", "/api/search?" + urlencode(params, doseq=True))
    return status, json.loads(body)


@pytest.fixture(scope="module")
def claims(kb: Path) -> dict[str, dict]:
    """Claim id -> its facet values, worked out from claims.json and the bibliography, not from the index."""
    config = load_config(kb)
    sources = load_catalogue(config).source_map()
    out = {}
    for c in json.loads((config.site_path / "claims.json").read_text(encoding="utf-8")):
        types = {sources[k].sourcetype for k in c["sources"] if k in sources}
        out[c["id"]] = {
            "condition": set(c["conditions"]),
            "roles": c["roles"],  # condition -> treated, harm or exclusion
            "design": {c["design"] or "none"},
            "sourcetype": types & set(config.accept),
        }
    return out


def brute(claims: dict, found: set[str], chosen: dict[str, list[str]]) -> tuple[set[str], dict[str, dict]]:
    """The claims the choices keep, and each facet's counts with the other facets' choices applied."""

    def values(cid: str, facet: str) -> set[str]:
        if facet != "role":
            return claims[cid][facet]
        # a role is the chosen conditions' role in the claim; with none chosen, any condition's
        roles = claims[cid]["roles"]
        return {r for c, r in roles.items() if not chosen["condition"] or c in chosen["condition"]}

    def keeps(cid: str, skip: str = "") -> bool:
        return all(not vs or values(cid, f) & set(vs) for f, vs in chosen.items() if f != skip)

    counts = {}
    for facet in ("condition", "role", "design", "sourcetype"):
        tally: dict[str, int] = {}
        for cid in found:
            if keeps(cid, facet):
                for v in values(cid, facet):
                    tally[v] = tally.get(v, 0) + 1
        counts[facet] = tally
    return {c for c in found if keeps(c)}, counts


FACET_CASES = [
    {"q": "ketamine"},
    {"q": "ketamine", "condition": ["depression", "anxiety"]},
    {"q": "ketamine", "design": ["meta-analysis-observational", "none"]},
    {"q": "ketamine", "sourcetype": ["journal"], "condition": ["anxiety"]},
    {"q": "dose", "design": ["rct", "meta-analysis-observational"], "sourcetype": ["government", "journal"]},
    {"q": "", "design": ["none"], "sourcetype": ["professional", "journalism"]},
    {"q": "", "condition": ["depression"]},
    {"q": "esketamine", "condition": ["ptsd"]},  # nothing left: the chosen value is listed with 0
    {"q": "zebrafish", "sourcetype": ["journalism"]},  # a match through a cited title only
    {"q": "", "role": ["harm"]},
    {"q": "", "condition": ["suicidal-ideation"], "role": ["harm"]},
    {"q": "esketamine", "condition": ["depression"], "role": ["harm"]},
    {"q": "", "condition": ["depression", "suicidal-ideation"], "role": ["treated", "exclusion"]},
    {"q": "", "role": ["exclusion"], "design": ["none"]},
]


@pytest.mark.parametrize("params", FACET_CASES, ids=lambda p: urlencode(p, doseq=True))
def test_results_and_facet_counts_match_a_brute_force_count(server, claims, params):
    chosen = {f: params.get(f, []) for f in ("condition", "role", "design", "sourcetype")}
    if params["q"]:
        status, plain = api(server, {"q": params["q"], "limit": 100})
        assert status == 200 and plain["total"] <= 100
        found = {r["claim"] for r in plain["results"]}
    else:
        found = set(claims)
    keep, counts = brute(claims, found, chosen)
    status, data = api(server, {**params, "limit": 100})
    assert status == 200
    assert data["total"] == len(keep) and {r["claim"] for r in data["results"]} == keep
    for facet, values in data["facets"].items():
        listed = {v["value"]: v["count"] for v in values}
        expect = {v: n for v, n in counts[facet].items() if n} | {v: counts[facet].get(v, 0) for v in chosen[facet]}
        assert listed == expect, facet


def test_facet_values_are_ordered_and_labelled(server, kb):
    _, data = api(server, {"q": "ketamine"})
    conds = [c.id for c in load_config(kb).conditions]
    listed = [v["value"] for v in data["facets"]["condition"]]
    assert listed == [c for c in conds if c in listed]  # config order
    designs = [v["value"] for v in data["facets"]["design"]]
    assert designs == [d for d in (*DESIGNS, "none") if d in designs] and designs[-1] == "none"
    counts = [(-v["count"], SOURCE_TYPES.index(v["value"])) for v in data["facets"]["sourcetype"]]
    assert counts == sorted(counts)  # most claims first
    labels = {v["value"]: v["label"] for vs in data["facets"].values() for v in vs}
    assert labels["ptsd"] == "PTSD" and labels["rct"] == "Randomised controlled trial"
    assert labels["none"] == "No study design" and labels["journal"] == "Journal article"


def test_sort_by_design_puts_the_strongest_first_then_relevance(server):
    _, by_design = api(server, {"q": "ketamine", "sort": "design", "limit": 100})
    _, by_relevance = api(server, {"q": "ketamine", "limit": 100})
    assert by_design["sort"] == "design" and by_relevance["sort"] == "relevance"
    assert by_design["total"] == by_relevance["total"]
    rank = {d: i for i, d in enumerate(DESIGNS)}

    def keys(data: dict) -> list[tuple[int, float]]:
        return [(rank.get(r["design"], len(DESIGNS)), -r["score"]) for r in data["results"]]

    assert keys(by_design) == sorted(keys(by_design)) and keys(by_relevance) != keys(by_design)


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": "ketamine", "design": "bogus"}, ["unknown design 'bogus'", "meta-analysis", "none"]),
        ({"q": "ketamine", "design": ["rct", "trial"]}, ["unknown design 'trial'"]),
        ({"q": "ketamine", "sourcetype": "preprint"}, ["unknown source type 'preprint'", "journal", "journalism"]),
        ({"q": "ketamine", "sort": "strength"}, ["unknown sort 'strength'", "relevance, design"]),
        ({"q": "ketamine", "condition": "flu"}, ["unknown condition 'flu'", "ptsd"]),
        ({"q": "ketamine", "role": "risk"}, ["unknown role 'risk'", "treated, harm, exclusion"]),
        ({"q": "ketamine", "limit": "0"}, ["limit must be"]),
    ],
)
def test_bad_facet_and_sort_values_are_400_naming_the_valid_ones(server, params, names):
    status, headers, body = request(server, "GET", "/api/search?" + urlencode(params, doseq=True))
    assert status == 400 and headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert all(n in error for n in names), error


@pytest.mark.parametrize(
    ("params", "total", "first"),
    [
        # ids in any case; a claim's design is its strongest: an RCT outranks a meta-analysis of observational studies
        ({"design": "RCT"}, 2, "Handling stress rose"),
        ({"design": "", "q": "quokka"}, 1, "Handling stress rose"),  # an empty value chooses nothing
        ({"sourcetype": ["professional", "journalism"], "q": ""}, 3, "Esketamine is not recommended"),
        ({"sourcetype": "professional", "design": "meta-analysis-observational"}, 0, None),
    ],
)
def test_facet_parameters(server, params, total, first):
    status, data = api(server, params)
    assert status == 200 and data["total"] == total
    assert (data["results"][0]["text"].startswith(first)) if first else data["results"] == []


def test_relaxed_and_did_you_mean(server):
    _, typo = api(server, {"q": "zebrafsh"})
    assert typo["suggestion"] == "zebrafish" and typo["total"] == 3 and not typo["relaxed"]
    _, some = api(server, {"q": "quokka bladder"})
    assert some["relaxed"] and some["total"] == 2
    _, every = api(server, {"q": "ketamine bladder"})
    assert not every["relaxed"] and every["suggestion"] is None


def test_results_carry_section_page_url_and_source_types(server):
    _, data = api(server, {"q": "supervision"})
    (hit,) = data["results"]
    assert (hit["section"], hit["page_url"], hit["page"]) == ("Guidance", "topics/mixed/", "Mixed evidence")
    assert hit["url"].startswith(hit["page_url"] + "#")
    assert {s["key"]: s["sourcetype"] for s in hit["sources"]} == {"nice2022": "professional", "fda2023": "government"}


# --- ranking that follows the claim -------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(kb: Path) -> Engine:
    return Engine(load_config(kb).index_path)


def test_a_claims_own_words_rank_above_a_match_through_a_cited_title(engine):
    res = engine.search("zebrafish")
    texts = [h.text for h in res.hits]
    # the cited title "Zebrafish models of ketamine exposure" alone matches the other two, and "Clinics
    # opened." is short enough that plain BM25 over everything would put it first
    assert res.total == 3 and texts[0].startswith("In one trial, zebrafish")
    assert {t.split()[0] for t in texts[1:]} == {"Clinics", "Handling"}


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("NICE", {"Esketamine is not recommended", "Supervision is asked for"}),  # an organisation
        ("author:okafor", {"Handling stress rose", "Clinics opened"}),
        ("author:lindqvist author:okafor", {"Handling stress rose", "Clinics opened"}),
        ("quokka", {"Handling stress rose"}),  # only its heading says it
        ("section:guidance", {"Esketamine is not recommended", "Supervision is asked for"}),
        ("section:okafor", set()),  # section: is the claim's own words, not its sources
    ],
)
def test_source_metadata_and_headings_still_find_claims(engine, query, expect):
    res = engine.search(query, limit=20)
    assert res.total == len(expect) and all(any(map(h.text.startswith, expect)) for h in res.hits)


def test_kb_search_takes_design_sourcetype_and_sort(kb):
    run = CliRunner().invoke
    res = run(
        cli, ["search", "ketamine", str(kb), "--design", "meta-analysis-observational", "--sort", "design", "--json"]
    )
    data = json.loads(res.output)
    assert res.exit_code == 0 and data["sort"] == "design"
    assert data["total"] >= 2 and {r["design"] for r in data["results"]} == {"meta-analysis-observational"}
    res = run(cli, ["search", "ketamine", str(kb), "--sourcetype", "journalism"])
    assert res.exit_code == 0 and "1 claim found" in res.output
    # counts under the results' other facets; a facet's own counts show what choosing another value gives
    assert "Designs: Randomised controlled trial (rct) 1\n" in res.output and "Journalism (journalism) 1" in res.output
    res = run(cli, ["search", "ketamine", str(kb), "--sourcetype", "blog"])
    assert res.exit_code == 2 and "unknown source type 'blog'" in res.output
