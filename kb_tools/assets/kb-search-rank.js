/* kb claim search in the browser, part 2: the claims as the index holds them, and their scores as kb serve's
 * engine computes them: window.kbSearchRank.
 *
 * index(docs, rules) keeps, for each field the engine scores (the claim text, its own words, what it cites, its
 * conditions and the conditions it names), each word's claims (a claim once per time it has the word), and each
 * claim's field length in Whoosh's one-byte encoding; and for each field the query filters on, each value's claims.
 * A word's score in a claim is Whoosh's BM25F with the engine's parameters (rules.rank, generated from
 * kb_tools/search/engine.py), a phrase's the sum of its words' where they stand together in the claim text,
 * and a word in most claims scores flat, as kb_tools/search/matchsets.py has it. clauses() and top() rank as
 * kb_tools/search/ranking.py does: claims whose own words match more clauses first, then by score, then by the
 * strength of their study design, then in site order. */
(function () {
  "use strict";

  var SCORED = ["text", "own", "cited", "conditions", "named"];

  // Whoosh's length_to_byte then byte_to_length: the length a document's field is scored with.
  function encoded(lengths, n) {
    var lo = 0, hi = lengths.length - 1;
    if (n >= lengths[hi]) return lengths[hi];
    while (lo < hi) {  // bisect_left
      var mid = (lo + hi) >> 1;
      if (lengths[mid] < n) lo = mid + 1; else hi = mid;
    }
    return lengths[lo];
  }

  // Whoosh's make_binary_tree(IntersectionMatcher, ...) adds its matchers' scores in this order.
  function treeSum(values) {
    if (values.length === 1) return values[0];
    var half = values.length >> 1;
    return treeSum(values.slice(0, half)) + treeSum(values.slice(half));
  }

  function hasSeq(list, seq) {
    outer: for (var i = 0; i + seq.length <= list.length; i++) {
      for (var j = 0; j < seq.length; j++) if (list[i + j] !== seq[j]) continue outer;
      return true;
    }
    return false;
  }

  // Each word's place in ``lists``: word -> the numbers of the lists that have it, a number once per time.
  function postings(lists) {
    var post = new Map();
    lists.forEach(function (toks, i) {
      for (var j = 0; j < toks.length; j++) {
        var p = post.get(toks[j]);
        if (p) p.push(i); else post.set(toks[j], [i]);
      }
    });
    return post;
  }

  // ``docs``: per claim, in site order: its text's stems, those of its page title and section (``extra``), its
  // sources' keys, its conditions and those it names, and its values per filter field. ``sources``: what the index
  // searches each source by, as stems. A claim's own words are its text and extra; what it cites, its sources'.
  function Index(docs, sources, rules) {
    var r = rules.rank, n = docs.length, self = this, keys = Object.keys(sources), at = new Map();
    keys.forEach(function (k, i) { at.set(k, i); });
    this.r = r; this.n = n; this.docs = docs; this.cache = new Map(); this.len = {}; this.avg = {};
    this.citing = keys.map(function () { return []; });
    docs.forEach(function (d, i) { d.keys.forEach(function (k) { self.citing[at.get(k)].push(i); }); });
    this.post = {
      text: postings(docs.map(function (d) { return d.text; })),
      extra: postings(docs.map(function (d) { return d.extra; })),
      sources: postings(keys.map(function (k) { return sources[k]; })),
      conditions: postings(docs.map(function (d) { return d.conditions; })),
      named: postings(docs.map(function (d) { return d.named; }))
    };
    var lengths = {
      text: function (d) { return d.text.length; },
      own: function (d) { return d.text.length + d.extra.length; },
      cited: function (d) { return d.keys.reduce(function (sum, k) { return sum + sources[k].length; }, 0); },
      conditions: function (d) { return d.conditions.length; },
      named: function (d) { return d.named.length; }
    };
    SCORED.forEach(function (f) {
      var total = 0;
      self.len[f] = docs.map(function (d) {
        var l = lengths[f](d);
        total += l;
        return encoded(r.lengths, l);
      });
      self.avg[f] = total / (n || 1) || 1;
    });
    this.values = {};
    Object.keys(rules.filter_fields).forEach(function (f) {
      var m = new Map();
      docs.forEach(function (d, i) {
        (d.filters[f] || []).forEach(function (v) { if (!m.has(v)) m.set(v, new Set()); m.get(v).add(i); });
      });
      self.values[f] = m;
    });
  }

  // Whether any claim has ``term`` in ``field``.
  Index.prototype.has = function (field, term) {
    var p = this.post;
    if (field === "own") return p.text.has(term) || p.extra.has(term);
    return field === "cited" ? p.sources.has(term) : p[field].has(term);
  };

  // docnum -> how often the claim has ``term`` in ``field``.
  Index.prototype.tfs = function (field, term) {
    var p = this.post, out = new Map(), citing = this.citing;
    var count = function (docs) { (docs || []).forEach(function (d) { out.set(d, (out.get(d) || 0) + 1); }); };
    if (field === "cited") (p.sources.get(term) || []).forEach(function (s) { count(citing[s]); });
    else if (field === "own") { count(p.text.get(term)); count(p.extra.get(term)); }
    else count(p[field].get(term));
    return out;
  };

  Index.prototype.remember = function (key, make) {
    var got = this.cache.get(key);
    if (got === undefined) {
      got = make.call(this);
      if (this.cache.size > 5000) this.cache.clear();
      this.cache.set(key, got);
    }
    return got;
  };

  // docnum -> BM25F score of a term, unboosted.
  Index.prototype.bm25 = function (field, term) {
    return this.remember("b\u0000" + field + "\u0000" + term, function () {
      var tfs = this.tfs(field, term), out = new Map(), r = this.r;
      var idf = Math.log(this.n / (tfs.size + 1)) + 1, B = r.b[field], K1 = r.k1, avg = this.avg[field], lens = this.len[field];
      tfs.forEach(function (tf, d) { out.set(d, idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lens[d] / avg)))); });
      return out;
    });
  };

  // A word in most claims (the KB's subject) says little about which claim a reader wants: each claim that has it
  // scores the same, less where only its page title or section heading has it.
  Index.prototype.flatten = function (field, term, found) {
    var r = this.r;
    if (found.size < r.common_share * Math.max(this.n, 1) || found.size < 2) return found;
    var sorted = Array.from(found.values()).sort(function (a, b) { return a - b; });
    var flat = sorted[sorted.length >> 1], text = field === "own" ? this.bm25("text", term) : null, out = new Map();
    found.forEach(function (_, d) { out.set(d, !text || text.has(d) ? flat : flat * r.title_only); });
    return out;
  };

  // docnum -> unboosted score of a leaf: a term ({field, term}) or a phrase of the claim text ({field, seq}).
  Index.prototype.scores = function (leaf) {
    if (leaf.seq) return this.phrase(leaf.seq);
    if (SCORED.indexOf(leaf.field) < 0) return null;  // a filter field: matched, never scored
    var s = this.bm25(leaf.field, leaf.term);
    return leaf.field === "own" || leaf.field === "cited" ? this.remember("f\u0000" + leaf.field + "\u0000" + leaf.term,
      function () { return this.flatten(leaf.field, leaf.term, s); }) : s;
  };

  Index.prototype.phrase = function (seq) {
    return this.remember("p\u0000" + seq.join(" "), function () {
      var self = this, lists = seq.map(function (t) { return self.bm25("text", t); }), out = new Map();
      if (lists.some(function (l) { return !l.size; })) return out;
      var rarest = lists.reduce(function (a, b) { return b.size < a.size ? b : a; });
      rarest.forEach(function (_, d) {
        if (hasSeq(self.docs[d].text, seq)) out.set(d, treeSum(lists.map(function (l) { return l.get(d); })));
      });
      return out;
    });
  };

  // The claims a leaf matches (a Set, or a Map whose keys are they).
  Index.prototype.matches = function (leaf) {
    var s = this.scores(leaf);
    return s || (this.values[leaf.field] && this.values[leaf.field].get(leaf.term)) || new Set();
  };

  Index.prototype.union = function (leaves) {
    var self = this, out = new Set();
    leaves.forEach(function (l) { self.matches(l).forEach(function (_, d) { out.add(d); }); });
    return out;
  };

  // (claims its own words match -> score, claims only its sources match -> score) of a clause's leaves.
  Index.prototype.clause = function (leaves) {
    var self = this, own = new Map(), cited = new Map();
    leaves.forEach(function (l) {
      var acc = l.field === "cited" ? cited : own;
      (self.scores(l) || new Map()).forEach(function (v, d) { acc.set(d, (acc.get(d) || 0) + v * l.boost); });
    });
    own.forEach(function (_, d) { cited.delete(d); });
    return [own, cited];
  };

  // The ``limit`` best [docnum, score] among ``matched``; ``rank``: each claim's design rank (ties, and
  // ``byDesign``: strongest first); docnums are site order.
  function top(r, clauses, matched, limit, rank, byDesign) {
    if (!byDesign && clauses.length === 1) return oneClause(clauses[0], matched, limit, rank);
    var total = new Map();
    clauses.forEach(function (c) {
      matched.forEach(function (d) {
        var v = c[0].get(d);
        if (v !== undefined) total.set(d, (total.get(d) || 0) + v + r.tier);
        else if ((v = c[1].get(d)) !== undefined) total.set(d, (total.get(d) || 0) + v);
      });
    });
    var best = Array.from(total.keys()).sort(byDesign ? function (a, b) {
      return rank[a] - rank[b] || total.get(b) - total.get(a) || a - b;
    } : function (a, b) { return total.get(b) - total.get(a) || rank[a] - rank[b] || a - b; });
    return best.slice(0, limit).map(function (d) { return [d, total.get(d) % r.tier]; });
  }

  // One clause: its own-word matches by score, then (only when they are too few) those through their sources.
  function oneClause(c, matched, limit, rank) {
    var pick = function (scores, n) {
      var got = [];
      scores.forEach(function (v, d) { if (matched.has(d)) got.push([d, v]); });
      got.sort(function (a, b) { return b[1] - a[1] || rank[a[0]] - rank[b[0]] || a[0] - b[0]; });
      return got.slice(0, n);
    };
    var out = pick(c[0], limit);
    return out.length < limit ? out.concat(pick(c[1], limit - out.length)) : out;
  }

  window.kbSearchRank = { index: function (docs, sources, rules) { return new Index(docs, sources, rules); }, top: top };
})();
