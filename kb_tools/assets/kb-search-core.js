/* kb claim search, shared by the header's search box and the search page: window.kbSearch.
 *
 * kbSearch.query(params) answers in the shape of GET /api/search. Under `kb serve` it asks the API;
 * where there is none (static hosting, `mkdocs serve`) it searches claims.json in the browser, with
 * search-data.json for page titles, citations and labels, and computes the same facets, sorts and
 * highlights (a plain word match: no synonyms or typo-tolerant ranking). It finds out once per
 * browser tab which of the two it has.
 *
 * Safety: `highlight` is HTML. The server escapes it; here it is built by escaping the claim text
 * first and adding only <mark>. Everything else is text, for callers to put in with textContent. */
(function () {
  "use strict";

  var MODE_KEY = "kb-search-mode";
  var FACETS = ["condition", "design", "sourcetype"];
  var STOP = new Set(("a an and any are as at be been being by can could do does doing for from had has have " +
    "how i if in into is it its me my of on or our should so than that the their them there these they this " +
    "those to us was we were what when where which who whom why will with would you your").split(" "));
  var SUFFIXES = ["ations", "ation", "ings", "ing", "ness", "ities", "ity", "ives", "ive", "ions", "ion",
    "ally", "ies", "ied", "es", "ed", "ly", "al", "s"];
  var WORD = /[\p{L}\p{N}]+/gu;

  function siteRoot() {
    // Material's page config knows the site root relative to this page.
    var cfg = document.getElementById("__config");
    if (cfg) {
      try {
        var base = JSON.parse(cfg.textContent).base;
        if (typeof base === "string") return new URL(base.replace(/\/?$/, "/"), location.href);
      } catch (e) { /* fall through */ }
    }
    var page = document.getElementById("kb-search");
    return new URL((page && page.getAttribute("data-root")) || "./", location.href);
  }

  var base = siteRoot();

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fold(s) {
    return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  // A crude stemmer, enough to match "protective" to "protection" and "studies" to "study".
  function stem(word) {
    var w = fold(word);
    for (var i = 0; i < SUFFIXES.length; i++) {
      var s = SUFFIXES[i];
      if (w.length - s.length >= 3 && w.slice(-s.length) === s) return s === "ies" || s === "ied" ? w.slice(0, -3) + "y" : w.slice(0, -s.length);
    }
    return w;
  }

  function words(text) { return String(text || "").match(WORD) || []; }

  // The reader's query as terms: single words (stemmed, question words dropped), "phrases", -exclusions.
  function parse(q) {
    var terms = [], re = /(-?)"([^"]*)"|(-?)(\S+)/g, m;
    while ((m = re.exec(q)) !== null) {
      var phrase = m[2] !== undefined, neg = (phrase ? m[1] : m[3]) === "-";
      var ws = words(phrase ? m[2] : m[4]);
      if (!ws.length) continue;
      if (phrase) terms.push({ raw: m[2], stems: ws.map(stem), phrase: true, neg: neg });
      else ws.forEach(function (w) { terms.push({ raw: w, stems: [stem(w)], phrase: false, neg: neg }); });
    }
    var content = terms.filter(function (t) { return t.phrase || t.neg || !STOP.has(fold(t.raw)); });
    return content.some(function (t) { return !t.neg; }) ? content : terms;
  }

  // ---- the static search --------------------------------------------------------------------------

  var data = null;

  function loadStatic() {
    if (!data) {
      var get = function (name) {
        return fetch(new URL(name, base)).then(function (r) {
          if (!r.ok) throw new Error(name + " " + r.status);
          return r.json();
        });
      };
      data = Promise.all([get("claims.json"), get("search-data.json")]).then(function (got) {
        return prepare(got[0], got[1]);
      });
      data.catch(function () { data = null; });
    }
    return data;
  }

  // Claim text as readers see it, as kb_tools.index.plain_text gives it to the API: no link targets or emphasis.
  function plain(text) {
    return String(text || "").replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/(\*\*|__|\*|`)/g, "").replace(/\s+/g, " ").trim();
  }

  function prepare(claims, meta) {
    var rank = {};
    meta.designs.forEach(function (d, i) { rank[d.id] = i; });
    var vocab = new Map();
    var prepared = claims.map(function (c, order) {
      c.text = plain(c.text);
      var textWords = words(c.text), title = meta.pages[c.page] || "";
      textWords.forEach(function (w) { var f = fold(w); vocab.set(f, (vocab.get(f) || 0) + 1); });
      var types = [];
      (c.sources || []).forEach(function (k) {
        var t = (meta.sources[k] || {}).sourcetype;
        if (t && types.indexOf(t) < 0) types.push(t);
      });
      return {
        c: c, order: order, title: title, text: textWords.map(stem),
        other: words(c.section + " " + title).map(stem), types: types,
        design: c.design || "none", rank: c.design in rank ? rank[c.design] : meta.designs.length
      };
    });
    return { claims: prepared, meta: meta, vocab: vocab };
  }

  function hasSeq(list, seq, prefix) {
    outer: for (var i = 0; i + seq.length <= list.length; i++) {
      for (var j = 0; j < seq.length; j++) {
        var last = j === seq.length - 1;
        if (!(list[i + j] === seq[j] || (prefix && last && seq[j].length >= 3 && list[i + j].indexOf(seq[j]) === 0))) continue outer;
      }
      return true;
    }
    return false;
  }

  // How well one claim matches one term: 3 in its text, 1 in its section or page title, 0 not at all.
  function termScore(p, t) {
    var prefix = !t.phrase;
    if (hasSeq(p.text, t.stems, prefix)) return 3;
    return hasSeq(p.other, t.stems, prefix) ? 1 : 0;
  }

  function facetValues(p, facet) {
    if (facet === "condition") return p.c.conditions || [];
    if (facet === "design") return [p.design];
    return p.types;
  }

  function passes(p, selected, skip) {
    return FACETS.every(function (f) {
      var want = selected[f] || [];
      return f === skip || !want.length || facetValues(p, f).some(function (v) { return want.indexOf(v) >= 0; });
    });
  }

  function matchAll(db, terms) {
    var pos = terms.filter(function (t) { return !t.neg; }), neg = terms.filter(function (t) { return t.neg; });
    var scored = [], some = [];
    db.claims.forEach(function (p) {
      if (neg.some(function (t) { return termScore(p, t) > 0; })) return;
      var total = 0, hit = 0;
      pos.forEach(function (t) { var s = termScore(p, t); total += s; if (s) hit++; });
      if (hit === pos.length) scored.push({ p: p, score: total });
      else if (hit) some.push({ p: p, score: hit * 10 + total });
    });
    if (scored.length || pos.length < 2) return { hits: scored, relaxed: false };
    return { hits: some, relaxed: some.length > 0 };
  }

  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      for (j = 1; j <= b.length; j++) {
        cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
      }
      prev = cur;
    }
    return prev[b.length];
  }

  // "Did you mean": each word no claim has, replaced by the commonest close word of the claims.
  function suggest(db, q) {
    var changed = false;
    var out = q.replace(WORD, function (w) {
      var f = fold(w);
      if (f.length < 4 || STOP.has(f) || db.vocab.has(f)) return w;
      var max = f.length > 6 ? 2 : 1, best = null, bestD = max + 1, bestN = 0;
      db.vocab.forEach(function (n, v) {
        var d = distance(f, v, max);
        if (d < bestD || (d === bestD && n > bestN)) { best = v; bestD = d; bestN = n; }
      });
      if (best === null || bestD > max) return w;
      changed = true;
      return best;
    });
    return changed ? out : null;
  }

  function highlight(text, terms) {
    var stems = [];
    terms.forEach(function (t) { if (!t.neg) stems = stems.concat(t.stems); });
    var out = "", last = 0, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var s = stem(m[0]), hit = stems.some(function (q) { return s === q || (q.length >= 3 && s.indexOf(q) === 0); });
      if (!hit) continue;
      out += escapeHtml(text.slice(last, m.index)) + "<mark>" + escapeHtml(m[0]) + "</mark>";
      last = m.index + m[0].length;
    }
    return out + escapeHtml(text.slice(last));
  }

  function result(db, hit, terms) {
    var c = hit.p.c, meta = db.meta;
    return {
      claim: c.id, text: c.text, highlight: highlight(c.text, terms), url: c.url, page: hit.p.title,
      section: c.section || "", conditions: c.conditions || [], design: c.design || "",
      authorities: c.authorities || [], evidence: c.evidence || "", score: hit.score,
      sources: (c.sources || []).map(function (k) {
        var s = meta.sources[k] || {};
        return { key: k, citation: s.citation || "", sourcetype: s.sourcetype || "", design: s.design || "",
          authority: s.authority || [], evidence: "" };
      })
    };
  }

  function facetList(db, base, selected, facet, labels) {
    var counts = {};
    base.forEach(function (h) {
      if (!passes(h.p, selected, facet)) return;
      facetValues(h.p, facet).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
    });
    var out = labels.map(function (l) { return { value: l.id, label: l.label, count: counts[l.id] || 0 }; })
      .filter(function (f) { return f.count > 0 || (selected[facet] || []).indexOf(f.value) >= 0; });
    // as the API lists them: conditions in the KB's order, designs strongest first, source types by count
    if (facet === "sourcetype") out.sort(function (a, b) { return b.count - a.count; }); // stable: ties keep their order
    return out;
  }

  function searchStatic(db, p, suggestion) {
    var terms = parse(p.q), relaxed = false, hits;
    if (terms.length) {
      var m = matchAll(db, terms);
      hits = m.hits; relaxed = m.relaxed;
    } else {
      hits = db.claims.map(function (c) { return { p: c, score: 0 }; });
    }
    if (!hits.length && !suggestion && terms.length) {
      var better = suggest(db, p.q);
      if (better) {
        var again = searchStatic(db, Object.assign({}, p, { q: better }), better);
        return Object.assign(again, { query: p.q, suggestion: better });
      }
    }
    var meta = db.meta, sel = p;
    var found = hits.filter(function (h) { return passes(h.p, sel); });
    found.sort(function (a, b) {
      if (p.sort === "design" && a.p.rank !== b.p.rank) return a.p.rank - b.p.rank;
      return b.score - a.score || a.p.order - b.p.order;
    });
    return {
      query: p.q, total: found.length, relaxed: relaxed, sort: p.sort || "relevance",
      suggestion: suggestion || null,
      results: found.slice(0, p.limit || 10).map(function (h) { return result(db, h, terms); }),
      facets: {
        condition: facetList(db, hits, sel, "condition", meta.conditions),
        design: facetList(db, hits, sel, "design", meta.designs),
        sourcetype: facetList(db, hits, sel, "sourcetype", meta.sourcetypes)
      }
    };
  }

  // ---- the API, and which of the two this host has -----------------------------------------------

  function NoApi() {}

  function askApi(p) {
    var url = new URL("api/search", base);
    url.searchParams.set("q", p.q);
    url.searchParams.set("limit", String(p.limit || 10));
    FACETS.forEach(function (f) { (p[f] || []).forEach(function (v) { url.searchParams.append(f, v); }); });
    if (p.sort && p.sort !== "relevance") url.searchParams.set("sort", p.sort);
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (resp) {
      var json = (resp.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (resp.status === 400 && json) return resp.json().then(function (b) { return { error: b.error, results: [], total: 0 }; });
      if (!resp.ok || !json) throw new NoApi();
      return resp.json();
    }, function () { throw new NoApi(); });
  }

  var mode = null;
  try { mode = sessionStorage.getItem(MODE_KEY); } catch (e) { /* storage may be off */ }

  function remember(m) {
    mode = m;
    try { sessionStorage.setItem(MODE_KEY, m); } catch (e) { /* storage may be off */ }
  }

  function query(params) {
    var p = Object.assign({ q: "", limit: 10, sort: "relevance" }, params);
    p.q = String(p.q || "").trim();
    var local = function () {
      return loadStatic().then(function (db) { return searchStatic(db, p); }, function () {
        return { error: "Search is not available here: claims.json could not be loaded.", results: [], total: 0 };
      }).then(function (r) { r.mode = "static"; return r; });
    };
    if (mode === "static") return local();
    return askApi(p).then(function (r) {
      if (mode !== "api") remember("api");
      r.mode = "api";
      return r;
    }, function (err) {
      if (!(err instanceof NoApi)) throw err;
      remember("static");
      return local();
    });
  }

  // ---- what both UIs show alike -------------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // The same encoding as kb_tools.urls.source_path: keys may hold "/" or ":".
  function sourceSlug(key) {
    var out = "";
    for (var ch of key) out += /[\p{L}\p{N}\-_.]/u.test(ch) ? ch : "~" + ch.codePointAt(0).toString(16);
    return out;
  }

  function pageUrl(path, dirurls) {
    return new URL(path + (dirurls === false ? ".html" : "/"), base).href;
  }

  // Material's own search of the pages' text, opened in place with the reader's words.
  function openPageSearch(q) {
    var toggle = document.getElementById("__search");
    var input = document.querySelector("[data-md-component=search-query]");
    if (!toggle || !input) { location.href = new URL("?q=" + encodeURIComponent(q), base).href; return; }
    toggle.checked = true;
    toggle.dispatchEvent(new Event("change"));
    input.value = q;
    input.focus();
    input.dispatchEvent(new KeyboardEvent("keyup", { key: "Unidentified" }));
  }

  window.kbSearch = {
    openPageSearch: openPageSearch,
    base: base, query: query, el: el, escapeHtml: escapeHtml, facets: FACETS,
    mode: function () { return mode; },
    sourceUrl: function (key, dirurls) { return pageUrl("sources/" + sourceSlug(key), dirurls); },
    conditionUrl: function (id, dirurls) { return pageUrl("conditions/" + sourceSlug(id), dirurls); },
    claimUrl: function (url) { return new URL(url, base).href; },
    searchUrl: function (dirurls) { return new URL(dirurls === false ? "search.html" : "search/", base).href; }
  };
})();
