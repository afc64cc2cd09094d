/* kb claim search in the browser, part 3: answering a query from claims.json and search-data.json as kb serve's
 * engine answers it from its index (kb_tools/search/engine.py): window.kbSearchStatic. kb-search-core.js uses it
 * where there is no /api/search; kb-search-terms.js reads the query and kb-search-rank.js scores.
 *
 * prepare() makes each claim's fields as the index has them (its text, its own words with its page title and
 * section, what it cites: its sources' authors, organisations and titles; its conditions and those it names;
 * its sources, years and grading for filters), with the index's analyzer. search() reads the query, matches its
 * clauses (all of them; failing that, a corrected query; failing that, some of them: "relaxed"), ranks, counts
 * facets and marks the matched words, and answers in the shape of GET /api/search.
 *
 * Safety: `highlight` is HTML, built by escaping the claim text and adding only <mark>. */
(function () {
  "use strict";

  function T() { return window.kbSearchTerms; }

  // ---- the claims as the index holds them ------------------------------------------------------------------

  // A function's answers kept by their argument: a KB's claims share page titles, sections and sources.
  function memo(fn) {
    var seen = new Map();
    return function (x) {
      if (!seen.has(x)) seen.set(x, fn(x));
      return seen.get(x);
    };
  }

  function prepare(claims, data) {
    var t = T(), rules = data.rules, an = t.analyzer(rules, data.stems), vocab = t.vocabulary(rules, an);
    var wordsOf = t.wordsOf(rules), words = new Map(), rank = new Map(), named = new Map();
    var stemsOf = memo(an.tokens), wordsIn = memo(wordsOf), accept = new Set(data.accept || []), sources = {};
    var namesOf = memo(function (id) { return vocab.names(id).map(function (ws) { return ws.join(" "); }).join(" "); });
    data.designs.forEach(function (d, i) { rank.set(d.id, i); });
    Object.keys(data.named || {}).forEach(function (cid) {
      data.named[cid].forEach(function (id) { named.set(id, (named.get(id) || []).concat([cid])); });
    });
    var docs = claims.map(function (c) {
      var text = (data.texts || {})[c.id] || c.text, title = data.pages[c.page] || "", section = c.section || "";
      var keys = (c.sources || []).filter(function (k) { return data.sources[k]; });
      var srcs = keys.map(function (k) { return data.sources[k]; }), conds = c.conditions || [];
      keys.forEach(function (k) { if (!sources[k]) sources[k] = an.tokens(data.sources[k].cited); });
      // the index's word list: each word of the claim, its page title and section, what it cites, its conditions' names
      var seen = new Set(wordsOf(text)), add = function (ws) { ws.forEach(function (w) { seen.add(w); }); };
      [title, section].concat(srcs.map(function (s) { return s.cited; }), conds.map(namesOf)).forEach(function (x) { add(wordsIn(x)); });
      seen.forEach(function (w) { words.set(w, (words.get(w) || 0) + 1); });
      var years = Array.from(new Set(srcs.map(function (s) { return s.year; }).filter(Boolean))).sort();
      return {
        c: c, text: an.tokens(text), extra: stemsOf(title).concat(stemsOf(section)), conditions: conds,
        named: named.get(c.id) || [], shown: text, title: title,
        types: Array.from(new Set(srcs.map(function (s) { return s.sourcetype; }).filter(function (s) { return accept.has(s); }))),
        // the design facet's value and rank: a design of the KB's ladder, or none (last)
        design: rank.has(c.design) ? c.design : "none", rank: rank.has(c.design) ? rank.get(c.design) : data.designs.length - 1,
        keys: keys,
        filters: {
          conditions: conds, sources: keys.map(function (k) { return k.toLowerCase(); }), years: years,
          design: [c.design || ""], evidence: [c.evidence || ""], authorities: c.authorities || []
        }
      };
    });
    var index = window.kbSearchRank.index(docs, sources, rules);
    var known = function (w) {  // the index has the word, or a stem of it in a claim's own words or sources
      return words.has(w) || an.tokens(w).some(function (s) { return index.has("own", s) || index.has("cited", s); });
    };
    return { docs: docs, index: index, data: data, rules: rules, an: an, vocab: vocab, words: words, known: known };
  }

  // ---- a query's parts, as kb_tools/search/whooshquery.py builds them --------------------------------------

  function leaf(field, term, boost) { return { field: field, term: term, boost: boost === undefined ? 1 : boost }; }

  // One word matches in the claim's own words (and, ``cited``, in what it cites); several stand together in its text.
  function wordsLeaves(db, words, boost, cited) {
    var toks = db.an.tokens(words.join(" ")), r = db.rules.rank;
    if (toks.length > 1) return [{ field: "text", seq: toks, boost: boost }];
    if (!toks.length) return [];
    return cited ? [leaf("own", toks[0], boost), leaf("cited", toks[0], boost * r.cited_boost)] : [leaf("own", toks[0], boost)];
  }

  // The value of a filter field as the index reads it (split at commas, lower-cased, as its field does).
  function fieldValues(db, field, value) {
    var f = db.rules.filter_fields[field];
    var vs = f.split ? value.split(",").map(function (v) { return v.trim(); }).filter(Boolean) : [value];
    return f.lower ? vs.map(function (v) { return v.toLowerCase(); }) : vs;
  }

  function unitLeaves(db, u) {
    var r = db.rules.rank, parts;
    if (r.unit_fields[u.field]) {  // author:, section: or title: one word, in those fields only
      var toks = db.an.tokens(u.words.join(" "));
      return toks.length ? r.unit_fields[u.field].map(function (f) { return leaf(f, toks[0]); }) : null;
    }
    if (u.field) {  // an excluded condition, source, grade or year
      var vs = fieldValues(db, u.field, u.words.join(" "));
      return vs.length ? [leaf(u.field, vs[0])] : null;
    }
    parts = wordsLeaves(db, u.words, 1, true);
    (u.completions || []).forEach(function (s) { parts.push(leaf("own", s), leaf("cited", s, r.cited_boost)); });
    u.expansions.forEach(function (ws) { parts = parts.concat(wordsLeaves(db, ws, r.expansion_boost, false)); });
    if (u.condition) parts.push(leaf("conditions", u.condition, r.condition_boost), leaf("named", u.condition, r.condition_boost));
    return parts.length ? parts : null;
  }

  function clauseLeaves(db, clause) {
    var out = [];
    clause.forEach(function (u) { out = out.concat(unitLeaves(db, u) || []); });
    return out.length ? out : null;
  }

  // (the claims the query matches before facets, the clauses' leaves)
  function matching(db, parsed, requireAll) {
    var parts = parsed.clauses.map(function (c) { return clauseLeaves(db, c); }).filter(Boolean);
    var negs = parsed.negated.map(function (u) { return unitLeaves(db, u); }).filter(Boolean);
    var sets = parts.map(function (p) { return db.index.union(p); }), found;
    if (!sets.length) found = new Set(db.docs.keys());
    else if (requireAll) found = new Set(Array.from(sets[0]).filter(function (d) { return sets.every(function (s) { return s.has(d); }); }));
    else { found = new Set(); sets.forEach(function (s) { s.forEach(function (d) { found.add(d); }); }); }
    if (negs.length) {
      var out = db.index.union([].concat.apply([], negs));
      found.forEach(function (d) { if (out.has(d)) found.delete(d); });
    }
    return { found: found, parts: parts };
  }

  // The query's own filters: its sources and design:, year: ... (all must hold); null when it has none.
  function filtered(db, parsed) {
    var leaves = parsed.sources.map(function (k) { return leaf("sources", k.toLowerCase()); })
      .concat(parsed.filters.map(function (f) { return leaf(f[0], f[1]); }));
    if (!leaves.length) return null;
    var sets = leaves.map(function (l) { return db.index.matches(l); });
    return new Set(db.docs.map(function (_, d) { return d; }).filter(function (d) { return sets.every(function (s) { return s.has(d); }); }));
  }

  // ---- answering -------------------------------------------------------------------------------------------

  function read(db, q, prefix) {
    var t = T(), parsed = t.parse(db.rules, db.vocab, q), keep = prefix ? halfTyped(db, q, parsed) : null;
    parsed = t.compounds(db.rules, db.vocab, parsed, db.words, keep && keep.word);
    if (keep) parsed.clauses.forEach(function (c) { if (c.length === 1 && c[0].words[0] === keep.word) c[0].completions = keep.stems; });
    return parsed;
  }

  // As you type (the header's box): a last word of three letters or more that is no word of the claims but begins
  // some of them also matches those (``stems``). The search page and /api/search read the query as it is.
  function halfTyped(db, q, parsed) {
    var last = parsed.clauses[parsed.clauses.length - 1], ws = T().wordsOf(db.rules)(q), w = ws[ws.length - 1];
    if (!w || w.length < 3 || db.words.has(w) || /\s$/.test(q) || !last || last.length !== 1 || last[0].words[0] !== w) return null;
    var stems = new Set();
    db.words.forEach(function (_, v) { if (v.lastIndexOf(w, 0) === 0) db.an.tokens(v).forEach(function (s) { stems.add(s); }); });
    return stems.size ? { word: w, stems: Array.from(stems) } : null;
  }

  function intersect(a, b) {
    var out = new Set();
    (a.size <= b.size ? a : b).forEach(function (d) { if ((a.size <= b.size ? b : a).has(d)) out.add(d); });
    return out;
  }

  // The claims the query and its filters match, and those of them the chosen facets keep.
  function narrowed(found, filt, chosen) {
    var f = filt ? intersect(found, filt) : found, matched = f;
    Object.keys(chosen).forEach(function (k) { if (chosen[k]) matched = intersect(matched, chosen[k]); });
    return { found: f, matched: matched };
  }

  function ranked(db, parts, matched, limit, sort) {
    var rank = db.docs.map(function (d) { return d.rank; }), byDesign = sort === "design";
    if (parts.length) {
      var clauses = parts.map(function (p) { return db.index.clause(p); });
      return window.kbSearchRank.top(db.rules.rank, clauses, matched, limit, rank, byDesign);
    }
    // filters or exclusions only: claims in site order (strongest design first for sort=design), unscored
    return Array.from(matched).sort(function (a, b) { return (byDesign ? rank[a] - rank[b] : 0) || a - b; })
      .slice(0, limit).map(function (d) { return [d, 0]; });
  }

  // As kb_tools.search.engine.Engine.search: all the clauses; if no claim has them, the query with its unknown
  // words corrected; then claims with some of the clauses ("relaxed").
  function answer(db, p) {
    var t = T(), R = db.rules, q = String(p.q || ""), limit = Math.min(Math.max(p.limit || 10, 1), R.query.max_limit);
    var res = window.kbSearchResults;
    if (q.length > R.query.max_chars) throw new t.QueryError(t.format(R.messages.too_long, { n: q.length, max: R.query.max_chars }));
    var sort = res.checkSort(db, p.sort), parsed = read(db, q, p.prefix), sel = res.selection(db, parsed, p);
    var filt = filtered(db, parsed), chosen = res.chosen(db, sel);
    var narrow = filt !== null || R.facets.some(function (f) { return sel[f].length; });
    if (!parsed.clauses.length && !parsed.negated.length && !narrow) throw new t.QueryError(R.messages.no_words);
    if (parsed.clauses.length && !narrow && !parsed.clauses.some(function (c) { return clauseLeaves(db, c); })) {
      throw new t.QueryError(R.messages.common_only);
    }
    var m = matching(db, parsed, true), got = narrowed(m.found, filt, chosen), suggestion = null, relaxed = false;
    if (!got.matched.size && parsed.clauses.length) {
      var fixes = t.corrections(R, parsed, db.words, db.known);
      if (fixes.size) {  // searched as if typed, so a corrected condition name expands too
        suggestion = t.applyFixes(R, q, fixes);
        parsed = read(db, suggestion, false);
        m = matching(db, parsed, true);
        got = narrowed(m.found, filt, chosen);
      }
    }
    if (!got.matched.size && parsed.clauses.length > 1) {
      relaxed = true;
      m = matching(db, parsed, false);
      got = narrowed(m.found, filt, chosen);
    }
    var top = got.matched.size ? ranked(db, m.parts, got.matched, limit, sort) : [], marks = res.marks(db, parsed);
    return {
      query: q, total: got.matched.size, relaxed: relaxed, sort: sort,
      suggestion: got.matched.size ? suggestion : null,  // a correction that finds nothing is no help here
      results: top.map(function (h) { return res.result(db, h[0], h[1], marks); }),
      facets: res.counts(db, got.found, chosen, sel)
    };
  }

  function search(db, p) {
    try {
      return answer(db, p);
    } catch (e) {
      if (e instanceof T().QueryError) return { error: e.message, results: [], total: 0 };
      throw e;
    }
  }

  window.kbSearchStatic = { prepare: prepare, search: search };
})();
