"""Generate a synthetic evidence KB of a given size, deterministically, for the benchmarks.

Usage::

    python -m benchmarks.generate SIZE OUTDIR [--seed N] [--no-kb-plugin]

``SIZE`` is S (50 pages, 1,000 claims, 200 sources), M (500 pages, 20,000 claims, 2,000 sources)
or L (2,000 pages, 100,000 claims, 10,000 sources). ``OUTDIR`` must be empty or missing.

What is written:

* ``mkdocs.yml``: Material theme, the ``search`` plugin and the ``kb`` plugin;
* ``mkdocs-plain.yml``: the same site without the ``kb`` plugin (citations stay as text), so a
  plain ``mkdocs build -f mkdocs-plain.yml`` gives the baseline ``kb build`` is compared with;
  it builds into ``site-plain/``. ``--no-kb-plugin`` writes that plain config as ``mkdocs.yml``
  too (no kb at all);
* ``docs/``: a claim-free home page and topic pages in ``docs/topics/<area>/`` with headings,
  paragraphs, bullet lists (some after a lead-in ending with ":"), a few tables and a few
  ``<!-- kb: not-a-claim -->`` blocks; page-level conditions in some front matters and condition
  words in some claims;
* ``references/*.bib``: sources, mostly journal articles, some government, university,
  professional and journalism sources, ~2% commercial; mixed evidence levels; ~6% of the
  articles lack a DOI;
* ``bench-manifest.json``: counts, the vocabulary (by rank) and the conditions, for ``benchmarks.run``.

Findings are planted on purpose but kept few: ~1% of the claims cite nothing
(``uncited-claim``), a few claims rest only on a commercial source (``unacceptable-source``), and
the articles lacking a DOI give ``missing-identifier`` warnings. The generated ``mkdocs.yml``
lowers ``uncited-claim`` and ``unacceptable-source`` to warnings through the kb plugin's
``severity`` option, so the same KB is both a realistic input for ``kb check`` (which reports
them) and publishable by ``kb build`` (which refuses only on errors). No page is a draft.

Everything comes from one ``random.Random(seed)``, so the same size and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SIZES = {
    "S": {"pages": 50, "claims": 1_000, "sources": 200, "vocabulary": 3_000},
    "M": {"pages": 500, "claims": 20_000, "sources": 2_000, "vocabulary": 12_000},
    "L": {"pages": 2_000, "claims": 100_000, "sources": 10_000, "vocabulary": 30_000},
}

CONDITIONS = [
    {
        "id": "depression",
        "name": "Depression",
        "synonyms": ["depression", "depressive", "treatment-resistant depression", "TRD", "major depressive disorder"],
    },
    {"id": "suicidal-ideation", "name": "Suicidal ideation", "synonyms": ["suicidal ideation", "suicidality"]},
    {"id": "anxiety", "name": "Anxiety", "synonyms": ["anxiety", "anxiety disorder", "anxious"]},
    {"id": "ptsd", "name": "PTSD", "synonyms": ["PTSD", "post-traumatic stress disorder", "trauma"]},
    {
        "id": "substance-use",
        "name": "Substance use disorders",
        "synonyms": ["substance use disorder", "SUD", "addiction", "alcohol use disorder"],
    },
]


def _words(text: str) -> list[str]:
    return text.split()


# Domain words mixed into the pseudo-word vocabulary at high ranks, so queries hit real terms.
DOMAIN_WORDS = _words(
    "ketamine esketamine dose dosing infusion intravenous intranasal oral sublingual bladder cystitis "
    "dissociation dissociative blood pressure heart rate psychotherapy therapist session sessions "
    "integration preparation patients patient trial trials placebo remission response relapse "
    "symptoms rating scale week weeks months follow-up adverse effects safety abuse misuse tolerance "
    "clinic clinics outpatient inpatient prescribing regulation compounded lozenges monitoring "
    "nausea dizziness sedation cognition memory urinary tract liver enzymes adolescents adults "
    "older veterans emergency department ideation hospital psychiatrist guideline approval efficacy "
    "effectiveness randomized controlled cohort meta-analysis review evidence outcomes mood "
    "glutamate receptor antagonist nmda neuroplasticity synaptic anesthetic analgesic sessions"
)

FUNCTION_WORDS = _words("the of and in to a with for was were is that on as by at from or after than in which")

SOURCE_TYPES = [  # (sourcetype, weight) ~2% commercial
    ("journal", 0.78),
    ("government", 0.07),
    ("university", 0.05),
    ("professional", 0.05),
    ("journalism", 0.03),
    ("commercial", 0.02),
]
EVIDENCE_BY_TYPE = {
    "journal": [
        ("meta-analysis", 0.1),
        ("systematic-review", 0.12),
        ("rct", 0.28),
        ("cohort", 0.18),
        ("case-control", 0.07),
        ("case-series", 0.1),
        ("narrative-review", 0.12),
        ("expert-opinion", 0.03),
    ],
    "government": [("regulatory", 0.7), ("guideline", 0.3)],
    "university": [("narrative-review", 0.5), ("expert-opinion", 0.3), ("cohort", 0.2)],
    "professional": [("guideline", 0.8), ("expert-opinion", 0.2)],
    "journalism": [("news", 1.0)],
    "commercial": [("expert-opinion", 1.0)],
}
REVIEWED = "2026-06-01"
SYLLABLE_ONSETS = _words("b c d f g h j k l m n p r s t v w z br cr dr fr gr pl pr st tr th ch sh")
SYLLABLE_VOWELS = _words("a e i o u ai ea io ou")
SYLLABLE_CODAS = ["", "", "", "n", "r", "s", "l", "m", "t", "x"]


@dataclass(frozen=True)
class Source:
    key: str
    sourcetype: str
    evidence: str
    doi: bool


class Vocabulary:
    """Pseudo-words plus domain words, drawn with Zipf-like (1/rank) frequencies."""

    def __init__(self, rng: random.Random, size: int):
        forbidden = {s.lower() for c in CONDITIONS for s in [c["name"], c["id"], *c["synonyms"]]}
        forbidden |= set(FUNCTION_WORDS)
        words: list[str] = []
        seen: set[str] = set(DOMAIN_WORDS) | forbidden
        while len(words) < size - len(DOMAIN_WORDS):
            w = "".join(
                rng.choice(SYLLABLE_ONSETS) + rng.choice(SYLLABLE_VOWELS) + rng.choice(SYLLABLE_CODAS)
                for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4)))
            )
            if len(w) >= 3 and w not in seen:
                seen.add(w)
                words.append(w)
        # domain words take every 7th rank among the first few hundred, so they are frequent
        ranked: list[str] = []
        domain = iter(DOMAIN_WORDS)
        pseudo = iter(words)
        for rank in itertools.count():
            pick = next(domain, None) if rank % 7 == 3 else None
            pick = pick or next(pseudo, None) or next(domain, None)
            if pick is None:
                break
            ranked.append(pick)
        self.words = ranked
        # Zipf-Mandelbrot: 1/(rank + q)^s; the offset flattens the head as in real content words
        weights = [1.0 / (r + 8) ** 1.05 for r in range(len(ranked))]
        self.cum = list(itertools.accumulate(weights))
        self.rng = rng

    def draw(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum, k=k)


class Generator:
    def __init__(self, size: str, seed: int):
        spec = SIZES[size]
        self.size = size
        self.spec = spec
        self.rng = random.Random(f"{seed}-{size}")
        self.vocab = Vocabulary(self.rng, spec["vocabulary"])
        self.sources = self._sources(spec["sources"])
        self.usable = [s for s in self.sources if s.sourcetype != "commercial"]
        self.commercial = [s for s in self.sources if s.sourcetype == "commercial"]
        # every source is cited at least once: hand them out in order first, then Zipf-like
        self._first_use = list(self.sources)
        self.rng.shuffle(self._first_use)
        weights = [1.0 / (r + 1) ** 0.8 for r in range(len(self.usable))]
        self._usable_cum = list(itertools.accumulate(weights))
        self.counts = {"claims": 0, "uncited": 0, "commercial_only": 0, "citations": 0}
        self.condition_phrases = [(c["id"], s) for c in CONDITIONS for s in c["synonyms"]]

    # --- sources --------------------------------------------------------------------------------------

    def _sources(self, n: int) -> list[Source]:
        rng = self.rng
        types = [t for t, _ in SOURCE_TYPES]
        tweights = [w for _, w in SOURCE_TYPES]
        out = []
        seen: set[str] = set()
        for i in range(n):
            st = rng.choices(types, tweights)[0] if i >= 2 else ("journal", "commercial")[i]
            levels = EVIDENCE_BY_TYPE[st]
            ev = rng.choices([lv for lv, _ in levels], [w for _, w in levels])[0]
            word = self.vocab.words[rng.randrange(100, len(self.vocab.words))]
            base = f"{''.join(ch for ch in word if ch.isalpha())}{rng.randint(1995, 2026)}"
            key = base
            for suffix in "abcdefghijklmnopqrstuvwxyz":
                if key not in seen:
                    break
                key = base + suffix
            else:
                key = f"{base}-{i}"
            seen.add(key)
            out.append(Source(key, st, ev, doi=(st == "journal" and rng.random() > 0.06)))
        return out

    def bibtex(self, s: Source) -> str:
        rng = self.rng
        w = self.vocab.draw
        year = "".join(ch for ch in s.key if ch.isdigit())[:4] or "2020"

        def name() -> str:
            last = w(1)[0].capitalize()
            return f"{last}, {rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice('ABCDEFGHJKLMNPRSTW')}."

        title = " ".join(w(rng.randint(6, 14))).capitalize()
        lines: list[tuple[str, str]] = []
        if s.sourcetype == "journal":
            kind = "article"
            lines += [("author", " and ".join(name() for _ in range(rng.randint(1, 6))))]
            lines += [("title", title), ("journal", "Journal of " + " ".join(w(2)).title()), ("year", year)]
            lines += [("volume", str(rng.randint(1, 80))), ("number", str(rng.randint(1, 12)))]
            first = rng.randint(1, 900)
            lines += [("pages", f"{first}--{first + rng.randint(4, 20)}")]
            if s.doi:
                lines.append(("doi", f"10.{rng.randint(1000, 9999)}/{s.key}.{rng.randint(100, 999)}"))
        elif s.sourcetype in ("government", "professional"):
            kind = "report" if rng.random() < 0.5 else "online"
            org = " ".join(w(2)).title() + (" Agency" if s.sourcetype == "government" else " Association")
            lines += [("author", "{" + org + "}"), ("title", title), ("year", year)]
            lines += [("institution" if kind == "report" else "organization", org)]
            lines += [("url", f"https://www.example.{'gov' if s.sourcetype == 'government' else 'org'}/{s.key}")]
        elif s.sourcetype == "university":
            kind = "techreport"
            lines += [("author", name()), ("title", title), ("year", year)]
            lines += [("institution", "University of " + w(1)[0].title())]
            lines += [("url", f"https://www.example.edu/reports/{s.key}")]
        elif s.sourcetype == "journalism":
            kind = "online"
            lines += [("author", name()), ("title", title), ("year", year)]
            lines += [("organization", "The " + w(1)[0].title() + " Times")]
            lines += [("url", f"https://news.example.com/{year}/{s.key}"), ("urldate", "2026-01-15")]
        else:
            kind = "online"
            lines += [("author", "{" + w(1)[0].title() + " Clinics Inc.}"), ("title", title), ("year", year)]
            lines += [("url", f"https://clinic.example.com/{s.key}")]
        lines += [("sourcetype", s.sourcetype), ("evidence", s.evidence)]
        body = ",\n".join(f"  {k:<10} = {{{v}}}" for k, v in lines)
        return f"@{kind}{{{s.key},\n{body},\n}}\n"

    # --- text -----------------------------------------------------------------------------------------

    def sentence(self, lo: int = 8, hi: int = 22, condition: bool = False) -> str:
        rng = self.rng
        words = self.vocab.draw(rng.randint(lo, hi))
        for _ in range(len(words) // 4):
            words.insert(rng.randrange(1, len(words)), rng.choice(FUNCTION_WORDS))
        if condition:
            _, phrase = rng.choice(self.condition_phrases)
            words.insert(rng.randrange(1, len(words)), phrase)
        if rng.random() < 0.08:
            words.insert(rng.randrange(1, len(words)), f"{rng.randint(2, 95)}%")
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def _cite_source(self) -> Source:
        if self._first_use:
            return self._first_use.pop()
        return self.rng.choices(self.usable, cum_weights=self._usable_cum)[0]

    def citation_keys(self) -> list[Source]:
        n = self.rng.choices((1, 2, 3), (0.62, 0.28, 0.10))[0]
        picked: dict[str, Source] = {}
        while len(picked) < n:
            s = self._cite_source()
            picked[s.key] = s
        return list(picked.values())

    def cited_text(self, body: str, allow_in_text: bool = True) -> str:
        """Attach 1-3 citations to ``body`` (no final period) in one of Pandoc's forms."""
        rng = self.rng
        srcs = self.citation_keys()
        # a commercial source alone is planted rarely: an unacceptable-source finding
        if not self._first_use and self.commercial and rng.random() < 0.002:
            srcs = [rng.choice(self.commercial)]
        elif self.commercial and rng.random() < 0.01:
            srcs.append(rng.choice(self.commercial))  # alongside acceptable ones: no finding
        self.counts["citations"] += len(srcs)
        self.counts["commercial_only"] += all(s.sourcetype == "commercial" for s in srcs)
        keys = [s.key for s in srcs]
        form = rng.random()
        if allow_in_text and form < 0.10:
            rest = f" [@{keys[1]}]" if len(keys) > 1 else ""
            verb = rng.choice(("reports", "found", "observed", "notes"))
            return f"@{keys[0]} {verb} that {body[0].lower()}{body[1:]}{rest}."
        if form < 0.22:
            page = rng.randint(2, 400)
            pages = f"pp. {page}-{page + rng.randint(1, 9)}"
            locator = rng.choice((f"p. {page}", pages, f"chap. {rng.randint(1, 12)}"))
            group = f"@{keys[0]}, {locator}" + "".join(f"; @{k}" for k in keys[1:])
        else:
            group = "; ".join(f"@{k}" for k in keys)
        return f"{body} [{group}]."

    def claim_text(self, cited: bool | None = None, lead_in: bool = False) -> str:
        rng = self.rng
        n_sent = rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
        sents = [self.sentence(condition=rng.random() < 0.15) for _ in range(n_sent)]
        body = ". ".join(sents)
        if cited is None:
            cited = rng.random() >= 0.01
        if lead_in:
            intro = rng.choice(("The review lists these findings", "Reported effects include", "The guidance names"))
            body = f"{intro} on {' '.join(self.vocab.draw(3))}"
            if not cited:
                return body + ":"
            return self.cited_text(body, allow_in_text=False)[:-1] + ":"
        if not cited:
            self.counts["uncited"] += 1
            return body + "."
        return self.cited_text(body)

    @staticmethod
    def wrap(text: str, width: int = 100, indent: str = "") -> str:
        lines, line = [], ""
        for word in text.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        return ("\n" + indent).join(lines)

    def block(self, budget: int) -> tuple[str, int]:
        """One block of Markdown and the number of claims it holds (at most ``budget``)."""
        rng = self.rng
        r = rng.random()
        if budget >= 3 and r < 0.16:  # lead-in + list; items inherit the lead-in's citations
            k = min(budget - 1, rng.randint(2, 5))
            lead_cited = rng.random() < 0.7
            lead = self.claim_text(cited=lead_cited, lead_in=True)
            items = []
            for _ in range(k):
                body = " ".join(self.vocab.draw(rng.randint(3, 10)))
                if lead_cited and rng.random() < 0.7:
                    items.append(f"- {body};")
                else:  # cites on its own (always, when the lead-in does not)
                    items.append("- " + self.wrap(self.cited_text(body, allow_in_text=False), indent="  "))
            return self.wrap(lead) + "\n\n" + "\n".join(items), k + 1
        if budget >= 2 and r < 0.26:  # a plain list: each item cites
            k = min(budget, rng.randint(2, 6))
            # "*" bullets: a change of marker keeps it from merging into a lead-in's "-" list above
            items = ["* " + self.wrap(self.claim_text(), indent="  ") for _ in range(k)]
            return "\n".join(items), k
        if budget >= 2 and r < 0.28:  # a small table: each body row is a claim
            k = min(budget, rng.randint(2, 4))
            rows = ["| Measure | Finding |", "| --- | --- |"]
            for _ in range(k):
                rows.append(f"| {' '.join(self.vocab.draw(2))} | {self.cited_text(self.sentence(4, 9))} |")
            return "\n".join(rows), k
        return self.wrap(self.claim_text()), 1

    def page(self, title: str, n_claims: int) -> str:
        rng = self.rng
        conds = rng.sample([c["id"] for c in CONDITIONS], rng.choice((1, 1, 2))) if rng.random() < 0.3 else []
        fm = [
            "---",
            f"title: {title}",
            f"description: {' '.join(self.vocab.draw(10)).capitalize()}.",
            f"conditions: [{', '.join(conds)}]",
            f"reviewed: {REVIEWED}",
            "---",
            "",
            f"# {title}",
            "",
            "",
        ]
        parts: list[str] = []
        left = n_claims
        while left > 0:
            parts.append(f"## {' '.join(self.vocab.draw(rng.randint(2, 5))).capitalize()}")
            if rng.random() < 0.05:
                parts.append("<!-- kb: not-a-claim -->\n" + self.wrap("See also " + " ".join(self.vocab.draw(8)) + "."))
            for _ in range(rng.randint(2, 7)):
                if left <= 0:
                    break
                text, used = self.block(left)
                parts.append(text)
                left -= used
        self.counts["claims"] += n_claims
        return "\n".join(fm) + "\n\n".join(parts) + "\n"

    # --- the whole KB ---------------------------------------------------------------------------------

    def write(self, out: Path, kb_plugin: bool = True) -> dict:
        spec = self.spec
        out.mkdir(parents=True, exist_ok=True)
        docs = out / "docs"
        (docs / "topics").mkdir(parents=True, exist_ok=True)
        (out / "references").mkdir(exist_ok=True)
        (docs / "index.md").write_text(
            "---\ntitle: Home\ndescription: A synthetic benchmark KB.\nreviewed: "
            f"{REVIEWED}\nclaims: false\n---\n\n# Benchmark KB ({self.size})\n\n"
            "This synthetic knowledge base exists to measure kb_tools' speed.\n",
            encoding="utf-8",
        )
        n_pages = spec["pages"] - 1  # plus the home page
        # claims per page vary (a few long pages, many short ones) but sum to the target
        weights = [self.rng.lognormvariate(0, 0.5) for _ in range(n_pages)]
        total = sum(weights)
        per_page = [max(1, int(spec["claims"] * w / total)) for w in weights]
        per_page[-1] += spec["claims"] - sum(per_page)
        while per_page[-1] < 1:  # give back from the largest page
            big = per_page.index(max(per_page))
            per_page[big] -= 1
            per_page[-1] += 1
        pages = []
        area_size = 25
        for i, n in enumerate(per_page):
            area = f"area-{i // area_size + 1:03d}"
            title = " ".join(self.vocab.draw(self.rng.randint(1, 3))).title() + f" ({i + 1})"
            rel = f"topics/{area}/page-{i + 1:04d}.md"
            path = docs / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.page(title, n), encoding="utf-8")
            pages.append(rel)
        by_type: dict[str, list[str]] = {}
        for s in self.sources:
            by_type.setdefault("journals" if s.sourcetype == "journal" else s.sourcetype, []).append(self.bibtex(s))
        for name, entries in by_type.items():
            for n, start in enumerate(range(0, len(entries), 1000)):
                chunk = entries[start : start + 1000]
                suffix = f"-{n + 1:02d}" if len(entries) > 1000 else ""
                (out / "references" / f"{name}{suffix}.bib").write_text("\n".join(chunk), encoding="utf-8")
        (out / "mkdocs.yml").write_text(mkdocs_yml(self.size, kb_plugin), encoding="utf-8")
        (out / "mkdocs-plain.yml").write_text(mkdocs_yml(self.size, False), encoding="utf-8")
        manifest = {
            "size": self.size,
            "pages": spec["pages"],
            "topic_pages": pages,
            "sources": len(self.sources),
            "source_types": {t: sum(s.sourcetype == t for s in self.sources) for t, _ in SOURCE_TYPES},
            "articles_without_doi": sum(s.sourcetype == "journal" and not s.doi for s in self.sources),
            **self.counts,
            "conditions": [c["id"] for c in CONDITIONS],
            "condition_phrases": [p for _, p in self.condition_phrases],
            "vocabulary": self.vocab.words,
        }
        (out / "bench-manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return manifest


def mkdocs_yml(size: str, kb_plugin: bool) -> str:
    conds = "\n".join(
        f"        - id: {c['id']}\n          name: {c['name']}\n          synonyms: [{', '.join(c['synonyms'])}]"
        for c in CONDITIONS
    )
    kb = (
        "  - kb:\n"
        "      bibliography: [references/*.bib]\n"
        "      review_max_age_days: 36500\n"
        "      # planted findings stay visible to `kb check` but do not stop `kb build`\n"
        "      severity:\n"
        "        uncited-claim: warning\n"
        "        unacceptable-source: warning\n"
        "      conditions:\n" + conds + "\n"
    )
    return (
        f"site_name: Benchmark KB ({size}{'' if kb_plugin else ', plain'})\n"
        "docs_dir: docs\n"
        f"site_dir: {'site' if kb_plugin else 'site-plain'}\n"
        "theme:\n  name: material\n"
        "markdown_extensions:\n  - admonition\n  - attr_list\n  - tables\n  - toc:\n      permalink: true\n"
        "plugins:\n  - search\n" + (kb if kb_plugin else "")
    )


def generate(size: str, out: Path | str, seed: int = 1, kb_plugin: bool = True) -> dict:
    """Write a KB of ``size`` into ``out`` and return its manifest."""
    size = size.upper()
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out}: not empty; give a new or empty folder")
    return Generator(size, seed).write(out, kb_plugin)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("size", type=str.upper, choices=sorted(SIZES))
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-kb-plugin", action="store_true", help="write mkdocs.yml without the kb plugin")
    args = ap.parse_args(argv)
    try:
        m = generate(args.size, args.outdir, args.seed, kb_plugin=not args.no_kb_plugin)
    except FileExistsError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.outdir}: {m['pages']} pages, {m['claims']} claims ({m['uncited']} uncited, "
        f"{m['commercial_only']} commercial-only), {m['sources']} sources, {m['citations']} citations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
