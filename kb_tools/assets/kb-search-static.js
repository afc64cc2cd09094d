/* kb claim search in the browser, part 2: matching and ranking claims.json as kb serve's engine does, more
 * simply: window.kbSearchStatic. kb-search-core.js uses it where there is no /api/search; the query is read
 * by kb-search-terms.js.
 *
 * Every unit of the query must match (failing that, some: "relaxed"). A word matches in the claim's text,
 * its page title and section, or (ranked below those) its sources' citations; a phrase matches in the
 * text; a lay term's stand-ins match in the claim's own words; a condition unit also matches the claims
 * about the condition and those naming it. Claims rank first by how many units their own words match,
 * then by a BM25-like score (each word by its rarity and the claim's length, and by where it matched);
 * ties keep site order. The answer has the shape of
 * GET /api/search, with the same facets, sorts and highlights.
 *
 * Safety: `highlight` is HTML, built by escaping the claim text and adding only <mark>. */
(function () {
  "use strict";

  var FACETS = ["condition", "role", "design", "sourcetype"];
  // what a unit's match counts for, by where: roughly the engine's field boosts (kb_tools/searchquery.py),
  // times a word's BM25 weight (its rarity, the claim's length; k1 and b as the engine's own field has them)
  var OTHER = 0.5, CITED = 0.5, EXPANSION = 0.6, CONDITION = 2, TIER = 1000, K1 = 1.2, B = 0.5;

  function T() { return window.kbSearchTerms; }

  // Claim text as readers see it, as kb_tools.index.plain_text gives it to the API: no link targets or emphasis.
  function plain(text) {
    return String(text || "").replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/(\*\*|__|\*|`)/g, "").replace(/\s+/g, " ").trim();
  }

  function stems(text) { return T().words(text).map(T().stem); }

  // claims.json and search-data.json, ready to search: each claim's stems by field, its conditions and the
  // ones it names; and the claims' words (with their conditions' names) for "did you mean".
  function prepare(claims, meta) {
    var t = T(), vocab = t.vocabulary(meta.vocabulary), rank = {}, counts = new Map(), known = new Set();
    var df = new Map(), length = 0;
    meta.designs.forEach(function (d, i) { rank[d.id] = i; });
    var prepared = claims.map(function (c, order) {
      c.text = plain(c.text);
      var title = meta.pages[c.page] || "", conds = c.conditions || [], types = [];
      var cites = (c.sources || []).map(function (k) { return (meta.sources[k] || {}).citation || ""; }).join(" ");
      var names = conds.map(function (id) { return (vocab.names.get(id) || []).flat().join(" "); });
      new Set(t.words([c.text, title, c.section, cites].concat(names).join(" ")).map(t.fold)).forEach(function (w) {
        counts.set(w, (counts.get(w) || 0) + 1);
      });
      (c.sources || []).forEach(function (k) {
        var s = (meta.sources[k] || {}).sourcetype;
        if (s && types.indexOf(s) < 0) types.push(s);
      });
      var text = stems(c.text);
      length += text.length;
      new Set(text).forEach(function (s) { df.set(s, (df.get(s) || 0) + 1); });
      conds.forEach(function (id) { df.set("\u0000" + id, (df.get("\u0000" + id) || 0) + 1); });
      return {
        c: c, order: order, title: title, text: text, other: stems(c.section + " " + title),
        cited: stems(cites), conditions: new Set(conds), named: new Set(t.named(vocab, c.text)), types: types,
        design: c.design || "none", rank: c.design in rank ? rank[c.design] : meta.designs.length
      };
    });
    counts.forEach(function (n, w) { known.add(t.stem(w)); });
    var avg = length / (prepared.length || 1) || 1;
    prepared.forEach(function (p) { p.norm = (K1 + 1) / (1 + K1 * (1 - B + B * p.text.length / avg)); });
    return { claims: prepared, meta: meta, vocab: vocab, words: counts, stems: known, df: df };
  }

  // Whether the stems ``seq`` stand together in ``list``; for a half-typed word, any of its ``completions``.
  function hasSeq(list, seq, completions) {
    outer: for (var i = 0; i + seq.length <= list.length; i++) {
      for (var j = 0; j < seq.length; j++) {
        if (!(list[i + j] === seq[j] || (completions && completions.has(list[i + j])))) continue outer;
      }
      return true;
    }
    return false;
  }

  // A word in the text or else the page title or section; several words together in the text only.
  function wordsScore(p, seq, completions, idf) {
    if (seq.length > 1) return hasSeq(p.text, seq, null) ? idf * p.norm : 0;
    return hasSeq(p.text, seq, completions) ? idf * p.norm : hasSeq(p.other, seq, completions) ? OTHER * idf : 0;
  }

  // How a unit matches a claim: (score through its own words and conditions, score through its citations).
  function unitScore(p, u) {
    var own = wordsScore(p, u.stems, u.completions, u.idf);
    u.expansions.forEach(function (e, i) { own += EXPANSION * wordsScore(p, e, null, u.idfs[i]); });
    if (u.condition) own += CONDITION * u.idfs[u.idfs.length - 1] * (p.conditions.has(u.condition) + p.named.has(u.condition));
    return { own: own, cited: !own && u.stems.length === 1 && hasSeq(p.cited, u.stems, u.completions) ? CITED : 0 };
  }

  // A claim's roles: its chosen conditions' roles in it (with none chosen, any condition's), as the engine has it.
  function rolesOf(p, selected) {
    var roles = p.c.roles || {}, want = (selected && selected.condition) || [];
    return (p.c.conditions || []).filter(function (c) { return !want.length || want.indexOf(c) >= 0; })
      .map(function (c) { return roles[c] || "treated"; })
      .filter(function (r, i, all) { return all.indexOf(r) === i; });
  }

  function facetValues(p, facet, selected) {
    if (facet === "condition") return p.c.conditions || [];
    if (facet === "role") return rolesOf(p, selected);
    if (facet === "design") return [p.design];
    return p.types;
  }

  function passes(p, selected, skip) {
    return FACETS.every(function (f) {
      var want = selected[f] || [];
      return f === skip || !want.length || facetValues(p, f, selected).some(function (v) { return want.indexOf(v) >= 0; });
    });
  }

  // The claims with every positive unit (or, ``relax``, some) and no negative one, scored, and those of
  // them the chosen facets keep.
  function match(db, units, sel, relax) {
    var pos = units.filter(function (u) { return !u.neg; }), neg = units.filter(function (u) { return u.neg; });
    var hits = [];
    db.claims.forEach(function (p) {
      if (neg.some(function (u) { var s = unitScore(p, u); return s.own || s.cited; })) return;
      var tier = 0, score = 0, hit = 0;
      pos.forEach(function (u) {
        var s = unitScore(p, u);
        if (s.own || s.cited) hit++;
        if (s.own) tier++;
        score += s.own || s.cited;
      });
      if (hit === pos.length || (relax && hit)) hits.push({ p: p, score: tier * TIER + score });
    });
    return { units: units, hits: hits, found: hits.filter(function (h) { return passes(h.p, sel); }) };
  }

  // A half-typed last word (three letters or more, not a word of the claims): the stems of the claims'
  // words it begins, or null.
  function completions(db, w) {
    if (w.length < 3 || db.words.has(w)) return null;
    var out = new Set();
    db.words.forEach(function (n, v) { if (v.lastIndexOf(w, 0) === 0) out.add(T().stem(v)); });
    return out.size ? out : null;
  }

  // How rare a word is among the claims (BM25's idf); several words: the sum of theirs.
  function idf(db, seq) {
    var n = db.claims.length;
    return seq.reduce(function (sum, s) {
      var d = db.df.get(s) || 0;
      return sum + Math.log(1 + (n - d + 0.5) / (d + 0.5));
    }, 0);
  }

  // The query's units, with their words' weights and a half-typed last word's completions.
  function read(db, q) {
    var units = T().parse(db.vocab, q);
    units.forEach(function (u) {
      if (u.prefix) u.completions = completions(db, u.words[0]);
      u.idf = idf(db, u.stems);
      u.idfs = u.expansions.map(function (e) { return idf(db, e); }).concat([idf(db, ["\u0000" + u.condition])]);
    });
    return units;
  }

  // As the engine: all units; if no claim has them, the query with its unknown words corrected (offered as
  // "did you mean" only when it finds claims); then claims with some of the units.
  function answer(db, p) {
    var t = T(), units = read(db, p.q);
    var m = match(db, units, p, false);
    var several = function (us) { return us.filter(function (u) { return !u.neg; }).length > 1; };
    if (!m.found.length && units.some(function (u) { return !u.neg; })) {
      var better = t.correct(db, p.q, units);
      if (better) {
        var fixed = match(db, read(db, better), p, false);
        if (!fixed.found.length && several(fixed.units)) fixed = Object.assign(match(db, fixed.units, p, true), { relaxed: true });
        if (fixed.found.length) return Object.assign(fixed, { suggestion: better });
      }
    }
    if (!m.found.length && several(units)) m = Object.assign(match(db, units, p, true), { relaxed: true });
    return Object.assign(m, { suggestion: null });
  }

  // ---- the answer, as /api/search gives it --------------------------------------------------------------

  // Single stems to mark anywhere, and stem sequences only where they stand together (as the engine marks).
  function marks(db, units) {
    var singles = [], seqs = [];
    units.forEach(function (u) {
      if (u.neg) return;
      var names = u.condition ? db.vocab.names.get(u.condition) || [] : [];
      [u.stems].concat(u.expansions, names.map(function (ws) { return ws.map(T().stem); })).forEach(function (s, i) {
        if (s.length === 1) singles.push({ stem: s[0], completions: i === 0 ? u.completions : null });
        else seqs.push(s);
      });
    });
    return { singles: singles, seqs: seqs };
  }

  function highlight(text, mk) {
    var re = new RegExp(T().WORD.source, "gu"), toks = [], m;
    while ((m = re.exec(text)) !== null) toks.push({ at: m.index, end: m.index + m[0].length, stem: T().stem(m[0]) });
    var on = toks.map(function (tok) {
      return mk.singles.some(function (s) {
        return tok.stem === s.stem || (s.completions && s.completions.has(tok.stem));
      });
    });
    mk.seqs.forEach(function (seq) {
      for (var i = 0; i + seq.length <= toks.length; i++) {
        if (seq.every(function (s, j) { return toks[i + j].stem === s; })) for (var j = 0; j < seq.length; j++) on[i + j] = true;
      }
    });
    var esc = window.kbSearch.escapeHtml, out = "", last = 0;
    toks.forEach(function (tok, i) {
      if (!on[i]) return;
      out += esc(text.slice(last, tok.at)) + "<mark>" + esc(text.slice(tok.at, tok.end)) + "</mark>";
      last = tok.end;
    });
    return out + esc(text.slice(last));
  }

  function result(db, hit, mk) {
    var c = hit.p.c, meta = db.meta;
    return {
      claim: c.id, text: c.text, highlight: highlight(c.text, mk), url: c.url, page: hit.p.title,
      section: c.section || "", conditions: c.conditions || [], roles: c.roles || {}, design: c.design || "",
      design_label: c.design_label || "",
      authorities: c.authorities || [], evidence: c.evidence || "", score: hit.score,
      sources: (c.sources || []).map(function (k) {
        var s = meta.sources[k] || {};
        return { key: k, citation: s.citation || "", sourcetype: s.sourcetype || "", design: s.design || "",
          authority: s.authority || [], evidence: "" };
      })
    };
  }

  function facetList(hits, selected, facet, labels) {
    var counts = {};
    hits.forEach(function (h) {
      if (!passes(h.p, selected, facet)) return;
      facetValues(h.p, facet, selected).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
    });
    var out = labels.map(function (l) { return { value: l.id, label: l.label, count: counts[l.id] || 0 }; })
      .filter(function (f) { return f.count > 0 || (selected[facet] || []).indexOf(f.value) >= 0; });
    // as the API lists them: conditions in the KB's order, designs strongest first, source types by count
    if (facet === "sourcetype") out.sort(function (a, b) { return b.count - a.count; }); // stable: ties keep their order
    return out;
  }

  function search(db, p) {
    var a = answer(db, p), meta = db.meta;
    a.found.sort(function (x, y) {
      if (p.sort === "design" && x.p.rank !== y.p.rank) return x.p.rank - y.p.rank;
      return y.score - x.score || x.p.order - y.p.order;
    });
    var mk = marks(db, a.units);
    return {
      query: p.q, total: a.found.length, relaxed: !!a.relaxed && a.found.length > 0, sort: p.sort || "relevance",
      suggestion: a.suggestion,
      results: a.found.slice(0, p.limit || 10).map(function (h) { return result(db, h, mk); }),
      facets: {
        condition: facetList(a.hits, p, "condition", meta.conditions),
        role: facetList(a.hits, p, "role", meta.roles || []),
        design: facetList(a.hits, p, "design", meta.designs),
        sourcetype: facetList(a.hits, p, "sourcetype", meta.sourcetypes)
      }
    };
  }

  window.kbSearchStatic = { prepare: prepare, search: search };
})();
