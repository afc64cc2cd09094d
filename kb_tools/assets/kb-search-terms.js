/* kb claim search in the browser, part 1: words and queries as kb serve's engine reads them, by the rules the
 * build generated from it (search-data.json's `rules` and `stems`; kb_tools/search/browser.py):
 * window.kbSearchTerms.
 *
 * - analyzer(): the index's analyzer: its tokenizer pattern, lower-casing, stop words and shortest word; a word
 *   of the KB is stemmed as the index stemmed it (`stems`), any other by Whoosh's Porter stemmer, whose patterns
 *   and suffix lists come in `rules.porter` and whose steps run here in whoosh.lang.porter.stem's order;
 * - vocabulary() and parse(): the query as kb_tools/search/query.py reads it: words, "phrases", -exclusions,
 *   OR and NOT, field filters (condition:, author:, year: ...), condition names and synonyms, lay terms;
 * - compounds(): joined and split words against the claims' words (kb_tools/search/compounds.py);
 * - corrections(): "did you mean", as kb_tools/search/whooshquery.corrections picks a word. */
(function () {
  "use strict";

  function QueryError(message) { this.message = message; }

  function own(obj, k) { return Object.prototype.hasOwnProperty.call(obj, k); }

  // Python's str.format with named fields, for the engine's messages.
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }

  // ---- the index's analyzer ------------------------------------------------------------------------------

  // whoosh.lang.porter.stem, step by step; its patterns anchored at the start, as Python's re.match is.
  function porter(rules) {
    var re = {};
    Object.keys(rules.patterns).forEach(function (k) { re[k] = new RegExp("^(?:" + rules.patterns[k] + ")", "u"); });
    return function (w) {
      var m, s;
      if (w.length < 3) return w;
      var firstY = w[0] === "y";
      if (firstY) w = "Y" + w.slice(1);
      if (w.endsWith("s")) {  // step 1a
        if (w.endsWith("sses") || w.endsWith("ies")) w = w.slice(0, -2);
        else if (w[w.length - 2] !== "s") w = w.slice(0, -1);
      }
      if (w.endsWith("eed")) {  // step 1b
        if (re.mgr0.test(w.slice(0, -3))) w = w.slice(0, -1);
      } else if ((m = re.ed_ing.exec(w)) && re.s_v.test(m[1])) {
        w = m[1];
        if (re.at_bl_iz.test(w)) w += "e";
        else if (re.step1b.test(w)) w = w.slice(0, -1);
        else if (re.c_v.test(w)) w += "e";
      }
      if (w.endsWith("y") && re.s_v.test(w.slice(0, -1))) w = w.slice(0, -1) + "i";  // step 1c
      if ((m = re.step2.exec(w)) && re.mgr0.test(m[1])) w = m[1] + rules.step2[m[2]];
      if ((m = re.step3.exec(w)) && re.mgr0.test(m[1])) w = m[1] + rules.step3[m[2]];
      if ((m = re.step4_1.exec(w))) {
        if (re.mgr1.test(m[1])) w = m[1];
      } else if ((m = re.step4_2.exec(w)) && re.mgr1.test(m[1] + m[2])) w = m[1] + m[2];
      if ((m = re.step5.exec(w))) {
        s = m[1];
        if (re.mgr1.test(s) || (re.meq1.test(s) && !re.c_v.test(s))) w = s;
      }
      if (w.endsWith("ll") && re.mgr1.test(w)) w = w.slice(0, -1);
      return firstY ? "y" + w.slice(1) : w;
    };
  }

  // The analyzer of the index's text fields. tokens(text) gives the stems it indexes (stop words and short words
  // dropped, so a phrase's words stand together across them); spans(text) the same with where each word stands.
  function analyzer(rules, stems) {
    var a = rules.analyzer, stop = new Set(a.stop), byWord = new Map(), cache = new Map();
    var porterStem = porter(rules.porter), re = new RegExp(a.pattern, "gu");
    Object.keys(stems || {}).forEach(function (s) { stems[s].split(" ").forEach(function (w) { byWord.set(w, s); }); });
    function stem(w) {
      var got = cache.get(w);
      if (got === undefined) {
        got = byWord.has(w) ? byWord.get(w) : a.porter ? porterStem(w) : w;
        if (cache.size < 200000) cache.set(w, got);
      }
      return got;
    }
    // each word the index keeps, with where it stands (``at``, ``end``) when ``spans`` is an array to fill
    function tokens(text, spans) {
      var out = [], m, t;
      text = String(text || "");
      re.lastIndex = 0;
      while ((m = re.exec(text)) !== null) {
        t = a.lower ? m[0].toLowerCase() : m[0];
        if (t.length < a.minsize || (a.maxsize !== null && t.length > a.maxsize) || stop.has(t)) continue;
        out.push(stem(t));
        if (spans) spans.push({ at: m.index, end: m.index + m[0].length });
      }
      return out;
    }
    return {
      stem: stem, porter: porterStem, tokens: function (text) { return tokens(text); },
      spans: function (text) {
        var where = [], stems = tokens(text, where);
        return where.map(function (w, i) { return { stem: stems[i], at: w.at, end: w.end }; });
      }
    };
  }

  // The words of a text as the query reader and the index's word list have them: \w+, lower-cased.
  function wordsOf(rules) {
    var re = new RegExp(rules.words, "gu");
    return function (text) { return String(text || "").toLowerCase().match(re) || []; };
  }

  // ---- the KB's vocabulary (kb_tools.search.query.Vocabulary) --------------------------------------------

  function unit(words, o) {
    o = o || {};
    return { words: words, quoted: !!o.quoted, field: o.field || "", condition: o.condition || "",
      expansions: o.expansions || [], completions: null };
  }

  function vocabulary(rules, an) {
    var v = rules.vocabulary, words = wordsOf(rules), lay = new Map();
    Object.keys(v.lay).forEach(function (k) { lay.set(k, v.lay[k].map(function (s) { return s.split(" "); })); });
    var ids = v.conditions.map(function (c) { return c[0]; });
    return {
      stop: new Set(v.stop), ids: ids,
      // a condition's names, for highlighting the words that name it
      names: function (cid) {
        var c = v.conditions.find(function (x) { return x[0] === cid; });
        return c ? [c[1]].concat(c[2]).map(words).filter(function (ws) { return ws.length; }) : [];
      },
      resolve: function (value) {  // a condition id from an id, a name or a synonym, in any case
        var ws = words(value), cid = ws.length && own(v.phrases, ws.join(" ")) ? v.phrases[ws.join(" ")] : "";
        if (ids.indexOf(value.trim().toLowerCase()) >= 0) cid = value.trim().toLowerCase();
        if (!cid) throw new QueryError(format(rules.messages.unknown_condition, { value: value, ids: ids.join(", ") || "(none)" }));
        return cid;
      },
      match: function (ws, i) {  // the longest condition phrase or lay term starting at ws[i]: [length, unit]
        for (var n = Math.min(v.longest, ws.length - i); n > 0; n--) {
          var key = ws.slice(i, i + n), cid = own(v.phrases, key.join(" ")) ? v.phrases[key.join(" ")] : "";
          var standins = lay.get(key.map(an.porter).join(" ")) || [];
          if (cid || standins.length) return [n, unit(key, { condition: cid, expansions: standins })];
        }
        return null;
      }
    };
  }

  // ---- reading a query (kb_tools.search.query.parse) ------------------------------------------------------

  function Builder(rules, vocab) {
    this.rules = rules; this.vocab = vocab; this.words = wordsOf(rules);
    this.clauses = []; this.negated = []; this.run = []; this.joinNext = false; this.negateNext = false;
    this.conditions = []; this.sources = []; this.filters = [];
  }

  Builder.prototype.add = function (u, neg) {
    if (neg || this.negateNext) { this.negated.push(u); this.negateNext = false; }
    else if (this.joinNext && this.clauses.length) { this.clauses[this.clauses.length - 1].push(u); this.joinNext = false; }
    else this.clauses.push([u]);
  };

  Builder.prototype.flush = function () {  // a run of plain words: known phrases first, then words less stop words
    var ws = this.run;
    for (var i = 0; i < ws.length;) {
      var found = this.vocab.match(ws, i);
      if (found) { this.add(found[1]); i += found[0]; continue; }
      if (!this.vocab.stop.has(ws[i])) this.add(unit([ws[i]]));
      i++;
    }
    this.run = [];
  };

  Builder.prototype.operator = function (op) {
    this.flush();
    if (op === "OR") this.joinNext = this.clauses.length > 0;
    else if (op === "NOT") this.negateNext = true;
  };

  Builder.prototype.field = function (name, value, neg) {
    this.flush();
    var kind = this.rules.query.fields[name][0], fname = this.rules.query.fields[name][1], self = this;
    if (!value.trim()) {
      var example = name === "condition" ? (this.vocab.ids[0] || "ID") : this.rules.query.examples[name];
      throw new QueryError(format(this.rules.messages.needs_value, { name: name, example: example }));
    }
    if (kind === "unit") this.words(value).forEach(function (w) { self.add(unit([w], { field: fname }), neg); });
    else if (kind === "condition") {
      var cid = this.vocab.resolve(value);
      if (neg) this.negated.push(unit([cid], { field: fname })); else this.conditions.push(cid);
    } else if (neg) this.negated.push(unit([value.trim().toLowerCase()], { field: fname }));
    else if (kind === "source") this.sources.push(value.trim());
    else this.filters.push([fname, value.trim().toLowerCase()]);
  };

  function parse(rules, vocab, q) {
    var b = new Builder(rules, vocab), words = b.words, re = new RegExp(rules.query.token, "uy");
    var fields = rules.query.fields, operators = rules.query.operators, pos = 0;
    while (pos < q.length) {
      if (/\s/u.test(q[pos])) { pos++; continue; }
      re.lastIndex = pos;
      var m = re.exec(q);
      if (!m || re.lastIndex === pos) { pos++; continue; }
      pos = re.lastIndex;
      var g = m.groups, neg = !!g.neg, name = g.field, phrase = g.phrase, word = g.word;
      if (name && own(fields, name.toLowerCase())) {
        b.field(name.toLowerCase(), phrase !== undefined ? phrase : (word || ""), neg);
      } else if (name) {  // "http://..." or "note:": not a field, just words
        if (!neg) b.run = b.run.concat(words(m[0]));
      } else if (phrase !== undefined) {
        b.flush();
        var ws = words(phrase);
        if (ws.length) b.add(unit(ws, { quoted: true }), neg);
      } else if (operators.indexOf(word) >= 0 && !neg) b.operator(word);
      else if (word) {
        if (neg) {
          b.flush();
          var wn = words(word);
          if (wn.length) b.add(unit(wn, { quoted: wn.length > 1 }), true);
        } else b.run = b.run.concat(words(word));
      }
    }
    b.flush();
    return { clauses: b.clauses, negated: b.negated, conditions: b.conditions, sources: b.sources, filters: b.filters };
  }

  // ---- compound and split words (kb_tools/search/compounds.py) ------------------------------------------

  // ``w`` as two of the claims' words (``words``: word -> claim count), the split whose rarer half is commonest.
  function split(c, w, words) {
    var best = null, bestN = 0;
    for (var i = c.min_part; i <= w.length - c.min_part; i++) {
      var n = Math.min(words.get(w.slice(0, i)) || 0, words.get(w.slice(i)) || 0);
      if (n > bestN) { best = [w.slice(0, i), w.slice(i)]; bestN = n; }
    }
    return best;
  }

  function plainWord(clause) {
    var u = clause.length === 1 ? clause[0] : null;
    return u && !u.quoted && !u.field && !u.condition && !u.expansions.length && u.words.length === 1 ? u.words[0] : "";
  }

  // ``keep``: a half-typed last word that begins one of the claims' words is being typed, not joined or split.
  function compounds(rules, vocab, parsed, words, keep) {
    var c = rules.compounds, out = [], cl = parsed.clauses;
    for (var i = 0; i < cl.length; i++) {
      var w = plainWord(cl[i]), next = i + 1 < cl.length ? plainWord(cl[i + 1]) : "";
      if (w && next && words.has(w + next) && next !== keep) {
        out.push([unit([w + next], { expansions: [[w, next]] })]);
        i++;
        continue;
      }
      if (!w || w === keep) { out.push(cl[i]); continue; }
      var parts = w.length >= 2 * c.min_part ? split(c, w, words) : null;
      if (!parts) out.push([unit([w])]);
      else if (!words.has(w)) {
        var found = vocab.match(parts, 0);  // "jet lag" may name a condition or a lay term
        out.push([found && found[0] === 2 ? found[1] : unit(parts)]);
      } else out.push([w.length >= c.min_split ? unit([w], { expansions: [parts] }) : unit([w])]);
    }
    return Object.assign({}, parsed, { clauses: out });
  }

  // ---- did you mean (kb_tools.search.whooshquery.corrections) --------------------------------------------

  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      for (j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
      prev = cur;
    }
    return prev[b.length];
  }

  // The words within ``max`` edits, sharing the first letters, as Whoosh's corrector lists them: nearest first,
  // then the last in alphabetical order, up to its limit; of those, the one most claims use.
  function nearest(c, words, w, max) {
    var found = [];
    words.forEach(function (n, v) {
      if (v === w || v.slice(0, c.prefix) !== w.slice(0, c.prefix)) return;
      var d = distance(w, v, max);
      if (d <= max) found.push([d, v, n]);
    });
    found.sort(function (x, y) { return x[0] - y[0] || (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0); });
    var best = null;
    found.slice(0, c.limit).forEach(function (f) {
      if (!best || f[2] > best[2] || (f[2] === best[2] && f[1] > best[1])) best = f;
    });
    return best ? best[1] : null;
  }

  // Unknown words of the query's clauses mapped to a correction; ``known(word)`` says whether the index has it.
  function corrections(rules, parsed, words, known) {
    var c = rules.corrections, fixes = new Map();
    parsed.clauses.forEach(function (clause) {
      clause.forEach(function (u) {
        if (u.condition || u.expansions.length) return;
        u.words.forEach(function (w) {
          if (w.length < c.min || /^\p{Nd}+$/u.test(w) || fixes.has(w) || known(w)) return;
          var dists = w.length >= c.two_edits ? [1, 2] : [1];
          for (var i = 0; i < dists.length; i++) {
            var fix = nearest(c, words, w, dists[i]);
            if (fix) { fixes.set(w, fix); break; }
          }
        });
      });
    });
    return fixes;
  }

  function applyFixes(rules, q, fixes) {
    return q.replace(new RegExp(rules.words, "gu"), function (w) { return fixes.get(w.toLowerCase()) || w; });
  }

  window.kbSearchTerms = {
    QueryError: QueryError, format: format, analyzer: analyzer, wordsOf: wordsOf, vocabulary: vocabulary,
    parse: parse, compounds: compounds, corrections: corrections, applyFixes: applyFixes, unit: unit
  };
})();
