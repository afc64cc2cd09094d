/* kb claim search in the browser, part 1: reading a query as kb serve's engine does (kb_tools/query.py),
 * with the KB's vocabulary from search-data.json: window.kbSearchTerms.
 *
 * A query is words, "phrases" and -exclusions. A run of plain words is read into units, longest first:
 * a condition's id, name or synonym (its words as typed, or with the last word's plural changed) is a
 * condition unit, which also matches the claims about that condition and those naming it; a lay term (its
 * words stemmed) brings its stand-ins, the KB's own words; any other word stands alone, less stop words.
 * "Did you mean" corrects unknown words against the claims' own words, as the engine does against its
 * index's. */
(function () {
  "use strict";

  // Whoosh's English stop words, which the index leaves out; the KB's question words come with its lay terms.
  var STOP = ("a an and are as at be by can for from have if in is it may not of on or tbd that the this to us " +
    "we when will with yet you your").split(" ");
  var SUFFIXES = ["ations", "ation", "ings", "ing", "ness", "ities", "ity", "ives", "ive", "ions", "ion",
    "ally", "ies", "ied", "es", "ed", "ly", "al", "s"];
  var WORD = /[\p{L}\p{N}]+/gu;
  var WORD_CHAR = "[\\p{L}\\p{N}_-]";

  function fold(s) {
    return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  // A crude stemmer, enough to match "protective" to "protection" and "studies" to "study".
  function stemOf(w) {
    for (var i = 0; i < SUFFIXES.length; i++) {
      var s = SUFFIXES[i];
      if (w.length - s.length >= 3 && w.slice(-s.length) === s) return s === "ies" || s === "ied" ? w.slice(0, -3) + "y" : w.slice(0, -s.length);
    }
    return w;
  }

  var stemmed = new Map();  // word as written -> stem: a KB's claims repeat a few thousand words

  function stem(word) {
    var got = stemmed.get(word);
    if (got === undefined) {
      got = stemOf(fold(word));
      if (stemmed.size < 200000) stemmed.set(word, got);
    }
    return got;
  }

  function words(text) { return String(text || "").match(WORD) || []; }
  function folded(text) { return words(text).map(fold); }

  // ---- the KB's vocabulary ---------------------------------------------------------------------------

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // As kb_tools.conditions: "low-back pain" also matches "low back pain"; whole words only.
  function alternatives(phrases, flags) {
    if (!phrases.length) return null;
    var alts = phrases.map(function (p) {
      return p.trim().split(/[-\s]+/).filter(Boolean).map(escapeRe).join("[-\\s]+");
    });
    return new RegExp("(?<!" + WORD_CHAR + ")(?:" + alts.join("|") + ")(?!" + WORD_CHAR + ")", flags);
  }

  function isCaps(p) { return p === p.toUpperCase() && p !== p.toLowerCase(); }
  function longestFirst(a, b) { return b.length - a.length; }

  // What tells that a claim names each condition (kb_tools.conditions.ConditionMatcher): acronyms in
  // capitals match only in capitals, and a condition's excluded phrases ("heat stroke") do not count.
  function namers(conditions) {
    return conditions.map(function (c) {
      var phrases = Array.from(new Set([c.name, c.id.replace(/-/g, " ")].concat(c.synonyms || [])));
      return {
        id: c.id,
        any: alternatives(phrases.filter(function (p) { return !isCaps(p); }).sort(longestFirst), "iu"),
        caps: alternatives(phrases.filter(isCaps), "u"),
        exclude: alternatives((c.exclude || []).slice().sort(longestFirst), "giu")
      };
    });
  }

  function named(vocab, text) {
    return vocab.namers.filter(function (n) {
      var t = n.exclude ? text.replace(n.exclude, " ") : text;
      return (n.any && n.any.test(t)) || (n.caps && n.caps.test(t));
    }).map(function (n) { return n.id; });
  }

  // search-data.json's vocabulary, indexed for reading queries (kb_tools.query.Vocabulary).
  function vocabulary(v) {
    v = v || {};
    var conditions = v.conditions || [], lay = v.lay_terms || {};
    var phrases = new Map(), layMap = new Map(), longest = 1, names = new Map();
    var add = function (ws, cid) { if (!phrases.has(ws.join(" "))) phrases.set(ws.join(" "), cid); };
    conditions.forEach(function (c) {
      names.set(c.id, [c.name].concat(c.synonyms || []).map(folded).filter(function (ws) { return ws.length; }));
      [c.id, c.name].concat(c.synonyms || []).forEach(function (p) {
        var ws = folded(p);
        if (!ws.length) return;
        add(ws, c.id);
        // readers write "migraine headache" as often as "migraine headaches"
        var last = ws[ws.length - 1];
        add(ws.slice(0, -1).concat([last.length > 3 && last.slice(-1) === "s" ? last.slice(0, -1) : last + "s"]), c.id);
        longest = Math.max(longest, ws.length);
      });
    });
    Object.keys(lay.terms || {}).forEach(function (key) {
      var ws = folded(key);
      if (!ws.length) return;
      var standins = (lay.terms[key] || []).map(folded).filter(function (s) { return s.length; });
      layMap.set(ws.map(stem).join(" "), standins.map(function (s) { return s.map(stem); }));
      longest = Math.max(longest, ws.length);
    });
    var stop = new Set(STOP.concat((lay.stop_words || []).map(fold)));
    return { phrases: phrases, lay: layMap, stop: stop, longest: longest, names: names, namers: namers(conditions) };
  }

  // ---- reading a query ----------------------------------------------------------------------------------

  function unit(ws, o) {
    return { words: ws, stems: ws.map(stem), quoted: !!o.quoted, neg: !!o.neg, condition: o.condition || "",
      expansions: o.expansions || [], prefix: false, completions: null };
  }

  // The longest condition phrase or lay term starting at ws[i] (kb_tools.query.Vocabulary.match).
  function known(vocab, ws, i) {
    for (var n = Math.min(vocab.longest, ws.length - i); n > 0; n--) {
      var key = ws.slice(i, i + n), cid = vocab.phrases.get(key.join(" ")) || "";
      var standins = vocab.lay.get(key.map(stem).join(" ")) || [];
      if (cid || standins.length) return unit(key, { condition: cid, expansions: standins });
    }
    return null;
  }

  function readRun(vocab, ws, out) {
    for (var i = 0; i < ws.length;) {
      var found = known(vocab, ws, i);
      if (found) { out.push(found); i += found.words.length; continue; }
      if (!vocab.stop.has(ws[i])) out.push(unit([ws[i]], {}));
      i++;
    }
  }

  // The query as units that must all match (or be absent, for -exclusions). A query of stop words alone
  // keeps them; the last word, if plain, is marked: it may be half typed.
  function parse(vocab, q) {
    var units = [], run = [], all = [], re = /(-?)"([^"]*)"?|(-?)([^\s"]+)/g, m;
    while ((m = re.exec(q)) !== null) {
      var phrase = m[2] !== undefined, neg = (phrase ? m[1] : m[3]) === "-";
      var ws = folded(phrase ? m[2] : m[4]);
      if (!ws.length) continue;
      all = all.concat(ws);
      if (!phrase && !neg) { run = run.concat(ws); continue; }
      readRun(vocab, run, units);
      run = [];
      units.push(unit(ws, { quoted: phrase || ws.length > 1, neg: neg }));
    }
    readRun(vocab, run, units);
    if (!units.some(function (u) { return !u.neg; })) {
      units = units.concat(all.filter(function (w) { return vocab.stop.has(w); }).map(function (w) { return unit([w], {}); }));
    }
    var last = units[units.length - 1];
    if (last && run.length && run[run.length - 1] === last.words[0] && !last.neg && !last.condition && !last.expansions.length && last.words.length === 1) last.prefix = true;
    return units;
  }

  // ---- compound and split words (kb_tools/compounds.py) -----------------------------------------------

  var MIN_PART = 3, MIN_SPLIT = 7;

  // ``w`` as two of the claims' words (``words``: word -> claim count), the split whose rarer half is
  // commonest; null if there is none.
  function split(w, words) {
    var best = null, bestN = 0;
    for (var i = MIN_PART; i <= w.length - MIN_PART; i++) {
      var n = Math.min(words.get(w.slice(0, i)) || 0, words.get(w.slice(i)) || 0);
      if (n > bestN) { best = [w.slice(0, i), w.slice(i)]; bestN = n; }
    }
    return best;
  }

  // Whether a half-typed word begins one of the claims' words (then it is being typed, not joined).
  function begins(words, w) {
    var yes = false;
    words.forEach(function (n, v) { if (!yes && v !== w && v.lastIndexOf(w, 0) === 0) yes = true; });
    return yes;
  }

  function isPlain(u) {
    return u && !u.neg && !u.quoted && !u.condition && !u.expansions.length && u.words.length === 1;
  }

  // Two plain words whose join is a claim's word match either form ("sleep walking": "sleepwalking"); a
  // word the claims lack that splits into two of theirs becomes them ("jetlag": "jet lag", maybe a
  // condition); a long known word that splits also matches its halves written apart.
  function compounds(vocab, units, words) {
    var out = [];
    for (var i = 0; i < units.length; i++) {
      var u = units[i], v = units[i + 1];
      if (isPlain(u) && isPlain(v) && words.has(u.words[0] + v.words[0])) {
        var joined = unit([u.words[0] + v.words[0]], { expansions: [[stem(u.words[0]), stem(v.words[0])]] });
        joined.prefix = v.prefix;
        out.push(joined);
        i++;
        continue;
      }
      var parts = isPlain(u) && u.words[0].length >= 2 * MIN_PART && !(u.prefix && begins(words, u.words[0]))
        ? split(u.words[0], words) : null;
      if (!parts) { out.push(u); continue; }
      if (!words.has(u.words[0])) {
        var found = known(vocab, parts, 0);
        out.push(found && found.words.length === 2 ? found : unit(parts, {}));
      } else {
        if (u.words[0].length >= MIN_SPLIT) u.expansions = [parts.map(stem)];
        out.push(u);
      }
    }
    return out;
  }

  // ---- did you mean -------------------------------------------------------------------------------------

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

  // The nearest word the claims use (one edit, or two for long words; same first letter), the commonest
  // of those, as kb_tools.searchquery.corrections picks it.
  function nearest(words, w) {
    var maxes = w.length >= 6 ? [1, 2] : [1];
    for (var k = 0; k < maxes.length; k++) {
      var best = null, bestN = -1;
      words.forEach(function (n, v) {
        if (v === w || v[0] !== w[0] || distance(w, v, maxes[k]) > maxes[k]) return;
        if (n > bestN || (n === bestN && v > best)) { best = v; bestN = n; }
      });
      if (best !== null) return best;
    }
    return null;
  }

  // The query with each unknown word of its plain units corrected, or null when there is nothing to correct.
  // ``words`` maps each word of the claims to how many claims use it; ``stems`` holds their stems.
  function correct(db, q, units) {
    var fixes = new Map();
    units.forEach(function (u) {
      if (u.neg || u.condition || u.expansions.length) return;
      u.words.forEach(function (w) {
        if (w.length < 4 || /^\d+$/.test(w) || fixes.has(w) || db.words.has(w) || db.stems.has(stem(w))) return;
        var fix = nearest(db.words, w);
        if (fix) fixes.set(w, fix);
      });
    });
    if (!fixes.size) return null;
    return q.replace(WORD, function (w) { return fixes.get(fold(w)) || w; });
  }

  window.kbSearchTerms = {
    WORD: WORD, fold: fold, stem: stem, words: words, vocabulary: vocabulary, named: named, parse: parse,
    correct: correct, compounds: compounds
  };
})();
