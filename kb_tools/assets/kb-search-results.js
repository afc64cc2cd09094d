/* kb claim search in the browser, part 4: an answer as GET /api/search gives it: window.kbSearchResults.
 *
 * Facets (kb_tools/search/facets.py): within a facet the chosen values are alternatives, across facets all must
 * hold; counts are disjunctive (each facet's counts apply the other facets' choices, not its own), and a role is
 * the chosen conditions' role in the claim (without chosen conditions, any condition's). Results carry the
 * claim text with the query's words marked (kb_tools/search/results.py's highlight) and the claim's page,
 * sources and grading, named as the site names them (search-data.json).
 *
 * Safety: `highlight` is HTML, built by escaping the claim text and adding only <mark>. */
(function () {
  "use strict";

  function T() { return window.kbSearchTerms; }

  function labels(db, facet) {
    var d = db.data;
    return { condition: d.conditions, role: d.roles, design: d.designs, sourcetype: d.sourcetypes }[facet] || [];
  }

  function checkSort(db, sort) {
    var s = String(sort || "relevance").trim().toLowerCase(), sorts = db.rules.sorts;
    if (sorts.indexOf(s) < 0) throw new (T().QueryError)(T().format(db.rules.messages.unknown_sort, { value: s, values: sorts.join(", ") }));
    return s;
  }

  // The chosen values of each facet, checked (a condition by any of its names; ``condition:`` in the query too).
  function selection(db, parsed, p) {
    var t = T(), names = { design: "design", sourcetype: "source type", role: "role" }, sel = {};
    var picked = (p.condition || []).map(function (c) { return db.vocab.resolve(c); });
    sel.condition = Array.from(new Set(parsed.conditions.concat(picked)));
    ["design", "sourcetype", "role"].forEach(function (f) {
      var allowed = labels(db, f).map(function (l) { return l.id; });
      sel[f] = Array.from(new Set((p[f] || []).map(function (v) {
        v = String(v).trim().toLowerCase();
        if (allowed.indexOf(v) < 0) {
          throw new t.QueryError(t.format(db.rules.messages.unknown_value, { name: names[f], value: v, values: allowed.join(", ") }));
        }
        return v;
      })));
    });
    return sel;
  }

  function valuesOf(doc, facet, sel) {
    var c = doc.c, roles = c.roles || {};
    if (facet === "condition") return doc.conditions;
    if (facet === "design") return [doc.design];
    if (facet === "sourcetype") return doc.types;
    var want = sel.condition;
    return doc.conditions.filter(function (id) { return !want.length || want.indexOf(id) >= 0; })
      .map(function (id) { return roles[id] || "treated"; });
  }

  // The claims having ``value`` in ``facet`` (a role: for the chosen conditions, when there are any).
  function valueSet(db, facet, value, sel) {
    var out = new Set();
    db.docs.forEach(function (doc, d) { if (valuesOf(doc, facet, sel).indexOf(value) >= 0) out.add(d); });
    return out;
  }

  // Per facet, the claims having any of its chosen values (null: nothing chosen).
  function chosen(db, sel) {
    var out = {};
    db.rules.facets.forEach(function (f) {
      if (!sel[f].length) { out[f] = null; return; }
      var set = new Set();
      sel[f].forEach(function (v) { valueSet(db, f, v, sel).forEach(function (d) { set.add(d); }); });
      out[f] = set;
    });
    return out;
  }

  function counts(db, found, picked, sel) {
    var out = {};
    db.rules.facets.forEach(function (f) {
      var n = {};
      found.forEach(function (d) {
        for (var other in picked) if (other !== f && picked[other] && !picked[other].has(d)) return;
        new Set(valuesOf(db.docs[d], f, sel)).forEach(function (v) { n[v] = (n[v] || 0) + 1; });
      });
      var list = labels(db, f).map(function (l) { return { value: l.id, label: l.label, count: n[l.id] || 0 }; })
        .filter(function (v) { return v.count > 0 || sel[f].indexOf(v.value) >= 0; });
      if (f === "sourcetype") list.sort(function (a, b) { return b.count - a.count; });  // stable: ties keep their order
      out[f] = list;
    });
    return out;
  }

  // ---- marking the query's words (kb_tools.search.whooshquery.highlight_terms, results.highlight) ----------

  function marks(db, parsed) {
    var singles = new Set(), seqs = [];
    parsed.clauses.forEach(function (clause) {
      clause.forEach(function (u) {
        if (u.field) return;
        var phrases = [u.words].concat(u.expansions, u.condition ? db.vocab.names(u.condition) : []);
        phrases.forEach(function (ws) {
          var toks = db.an.tokens(ws.join(" "));
          if (toks.length === 1) singles.add(toks[0]); else if (toks.length > 1) seqs.push(toks);
        });
        (u.completions || []).forEach(function (s) { singles.add(s); });
      });
    });
    return { singles: singles, seqs: seqs };
  }

  function highlight(db, text, mk) {
    var toks = db.an.spans(text), hit = toks.map(function (t) { return mk.singles.has(t.stem); });
    mk.seqs.forEach(function (seq) {
      for (var i = 0; i + seq.length <= toks.length; i++) {
        if (seq.every(function (s, j) { return toks[i + j].stem === s; })) for (var j = 0; j < seq.length; j++) hit[i + j] = true;
      }
    });
    var spans = [], joiners = db.rules.rank.mark_joiners;
    var joined = function (gap) { return Array.from(gap).every(function (ch) { return joiners.indexOf(ch) >= 0; }); };
    toks.forEach(function (t, i) {
      if (!hit[i]) return;
      var last = spans[spans.length - 1];
      if (last && joined(text.slice(last[1], t.at))) last[1] = t.end;  // "blood pressure": one mark
      else spans.push([t.at, t.end]);
    });
    var esc = window.kbSearch.escapeHtml, out = "", pos = 0;
    spans.forEach(function (s) {
      out += esc(text.slice(pos, s[0])) + "<mark>" + esc(text.slice(s[0], s[1])) + "</mark>";
      pos = s[1];
    });
    return out + esc(text.slice(pos));
  }

  function result(db, d, score, mk) {
    var doc = db.docs[d], c = doc.c, sources = db.data.sources;
    return {
      claim: c.id, text: doc.shown, highlight: highlight(db, doc.shown, mk), url: c.url, page: doc.title,
      page_url: String(c.url || "").split("#")[0], section: c.section || "", conditions: doc.conditions,
      roles: c.roles || {}, design: c.design || "", design_label: c.design_label || "",
      authorities: c.authorities || [], evidence: c.evidence || "", score: Math.round(score * 1e4) / 1e4,
      support: c.support || [],
      sources: doc.keys.map(function (k) {
        var s = sources[k];
        return { key: k, citation: s.citation || "", sourcetype: s.sourcetype || "", design: s.design || "",
          authority: s.authority || [], evidence: "" };
      })
    };
  }

  window.kbSearchResults = {
    checkSort: checkSort, selection: selection, chosen: chosen, counts: counts, marks: marks, result: result,
    highlight: highlight
  };
})();
