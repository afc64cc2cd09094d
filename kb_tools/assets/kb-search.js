/* Claim search page: asks /api/search under `kb serve`; on static hosting,
 * filters claims.json in the browser and says so. Included on every page,
 * it acts only where the page holds #kb-search.
 *
 * Safety: the server's `highlight` is already HTML-escaped with <mark> around
 * matches; everything built here uses textContent and DOM nodes, never
 * innerHTML with data. */
(function () {
  "use strict";

  var MAX_RESULTS = 20;
  var DEBOUNCE_MS = 250;

  function siteRoot(el) {
    // Material's page config knows the site root relative to this page; fall back to our own attribute.
    var cfg = document.getElementById("__config");
    if (cfg) {
      try {
        var base = JSON.parse(cfg.textContent).base;
        if (typeof base === "string") return new URL(base.replace(/\/?$/, "/"), location.href);
      } catch (e) { /* use data-root */ }
    }
    return new URL(el.getAttribute("data-root") || "./", location.href);
  }

  // The same encoding as kb_tools.urls.source_path: keys may hold "/" or ":".
  function sourceSlug(key) {
    var out = "";
    for (var ch of key) {
      out += /[\p{L}\p{N}\-_.]/u.test(ch) ? ch : "~" + ch.codePointAt(0).toString(16);
    }
    return out;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Search(root) {
    this.root = root;
    this.base = siteRoot(root);
    this.form = root.querySelector("form");
    this.input = root.querySelector("input[name=query]");
    this.select = root.querySelector("select[name=condition]");
    this.status = root.querySelector(".kb-search__status");
    this.notice = root.querySelector(".kb-search__notice");
    this.list = root.querySelector(".kb-search__results");
    this.mode = "api"; // becomes "local" when the API is not there
    this.claims = null;
    this.seq = 0;
    this.designs = (root.getAttribute("data-designs") || "").split(" ").filter(Boolean);
    this.conditionNames = {};
    for (var opt of this.select.options) if (opt.value) this.conditionNames[opt.value] = opt.textContent;
  }

  Search.prototype.start = function () {
    var self = this, timer = null;
    var params = new URLSearchParams(location.search);
    this.input.value = params.get("query") || "";
    this.select.value = params.get("condition") || "";
    this.form.addEventListener("submit", function (ev) { ev.preventDefault(); self.run(); });
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.run(); }, DEBOUNCE_MS);
    });
    this.select.addEventListener("change", function () { self.run(); });
    if (this.input.value || this.select.value) this.run();
  };

  Search.prototype.run = function () {
    var q = this.input.value.trim(), cond = this.select.value, seq = ++this.seq, self = this;
    var params = new URLSearchParams();
    if (q) params.set("query", q);
    if (cond) params.set("condition", cond);
    history.replaceState(null, "", "?" + params.toString() + location.hash);
    if (!q && !cond) { this.show([], 0, null, ""); return; }
    var answer = this.mode === "api" ? this.askApi(q, cond) : this.askLocal(q, cond);
    answer.then(function (r) {
      if (seq === self.seq) self.show(r.results, r.total, r.suggestion, r.error || "");
    });
  };

  Search.prototype.askApi = function (q, cond) {
    var self = this, url = new URL("api/search", this.base);
    url.searchParams.set("q", q);
    if (cond) url.searchParams.append("condition", cond);
    url.searchParams.set("limit", String(MAX_RESULTS));
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (resp) {
      var json = (resp.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (resp.status === 400 && json) return resp.json().then(function (b) { return { results: [], total: 0, error: b.error }; });
      if (!resp.ok || !json) throw new Error("no search API");
      return resp.json();
    }).catch(function () {
      self.mode = "local";
      self.notice.textContent = "Reduced search: the search service is not available on this host, so results " +
        "come from a plain word match in your browser (no synonyms, word forms or typo correction).";
      self.notice.hidden = false;
      return self.askLocal(q, cond);
    });
  };

  Search.prototype.loadClaims = function () {
    if (!this.claims) {
      this.claims = fetch(new URL("claims.json", this.base)).then(function (r) {
        if (!r.ok) throw new Error("claims.json " + r.status);
        return r.json();
      });
    }
    return this.claims;
  };

  // The labels of kb_tools.grading, so results name designs as the rest of the site does.
  var DESIGN_LABELS = {
    "meta-analysis": "Meta-analysis", "systematic-review": "Systematic review", "rct": "Randomised controlled trial",
    "cohort": "Cohort study", "case-control": "Case-control study", "case-series": "Case series",
    "narrative-review": "Narrative review", "expert-opinion": "Expert opinion", "none": "No study design"
  };
  var AUTHORITY_LABELS = { regulatory: "Regulatory statement", guideline: "Guideline", consensus: "Consensus statement" };

  function words(text) {
    return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []).filter(function (w) { return w.length > 1; });
  }

  Search.prototype.askLocal = function (q, cond) {
    var wanted = words(q);
    return this.loadClaims().then(function (claims) {
      var found = claims.filter(function (c) {
        if (cond && (c.conditions || []).indexOf(cond) < 0) return false;
        var text = (c.text || "").toLowerCase();
        return wanted.every(function (w) { return text.indexOf(w) >= 0; });
      });
      var results = found.slice(0, MAX_RESULTS).map(function (c) {
        return {
          claim: c.id, text: c.text, url: c.url, page: c.page, conditions: c.conditions || [],
          design: c.design || "", authorities: c.authorities || [], terms: wanted,
          sources: (c.sources || []).map(function (k) { return typeof k === "string" ? { key: k, citation: k } : k; })
        };
      });
      return { results: results, total: found.length, suggestion: null };
    }, function () {
      return { results: [], total: 0, error: "Search is not available: claims.json could not be loaded." };
    });
  };

  // Claim text with matched words in <mark>, built from text nodes only.
  function markedText(text, terms) {
    var frag = document.createDocumentFragment();
    if (!terms.length) { frag.appendChild(document.createTextNode(text)); return frag; }
    var esc = terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var re = new RegExp("(" + esc.join("|") + ")", "giu"), last = 0, m;
    while ((m = re.exec(text)) !== null) {
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      frag.appendChild(el("mark", "", m[0]));
      last = re.lastIndex;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  Search.prototype.item = function (r) {
    var li = el("li", "kb-search__result"), p = el("p", "kb-search__text");
    if (typeof r.highlight === "string") p.innerHTML = r.highlight; // escaped by the server; only <mark> added
    else p.appendChild(markedText(r.text, r.terms || []));
    li.appendChild(p);
    var meta = el("p", "kb-search__meta");
    var link = el("a", "kb-search__claim", "Read on the page: " + (r.page || r.url));
    link.href = new URL(r.url, this.base).href;
    meta.appendChild(link);
    var self = this;
    // the badges of the rest of the site: authority statements, then the design, each named in text
    var badges = [];
    (r.authorities || []).forEach(function (a) {
      badges.push(el("span", "kb-authority kb-authority-" + a, AUTHORITY_LABELS[a] || a));
    });
    if (r.design) {
      var rank = this.designs.indexOf(r.design);
      badges.push(el("span", "kb-level " + (rank < 0 ? "kb-level-none" : "kb-level-" + rank),
        rank < 0 ? "no study design" : DESIGN_LABELS[r.design] || r.design));
    }
    if (badges.length) {
      meta.appendChild(document.createTextNode(" "));
      var ev = el("span", "kb-search__evidence");
      badges.forEach(function (b, i) {
        if (i) ev.appendChild(document.createTextNode(" · "));
        ev.appendChild(b);
      });
      meta.appendChild(ev);
    }
    if (r.conditions && r.conditions.length) {
      var chips = el("span", "kb-search__conditions");
      chips.setAttribute("aria-label", "Conditions");
      r.conditions.forEach(function (c) {
        var chip = el("a", "kb-chip", self.conditionNames[c] || c);
        chip.href = new URL("conditions/" + encodeURIComponent(c) + "/", self.base).href;
        chips.appendChild(chip);
      });
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(chips);
    }
    li.appendChild(meta);
    if (r.sources && r.sources.length) {
      var ul = el("ul", "kb-search__sources");
      r.sources.forEach(function (s) {
        var a = el("a", "", s.citation || s.key);
        a.href = new URL("sources/" + sourceSlug(s.key) + "/", self.base).href;
        var sli = el("li");
        sli.appendChild(a);
        ul.appendChild(sli);
      });
      li.appendChild(ul);
    }
    return li;
  };

  Search.prototype.show = function (results, total, suggestion, error) {
    var self = this;
    this.list.textContent = "";
    this.status.textContent = "";
    if (error) { this.status.textContent = error; return; }
    if (!this.input.value.trim() && !this.select.value) return;
    if (suggestion) {
      var b = el("button", "kb-search__suggestion", suggestion);
      b.type = "button";
      b.addEventListener("click", function () { self.input.value = suggestion; self.run(); });
      this.status.appendChild(document.createTextNode(total ? "Showing results for " : "Did you mean "));
      this.status.appendChild(b);
      this.status.appendChild(document.createTextNode(total ? ". " : "? "));
    }
    var shown = results.length;
    this.status.appendChild(document.createTextNode(
      total === 0 ? "No claims found. Try fewer or other words (a symptom, a drug, a condition), check the " +
        "spelling, or choose All conditions." :
        total + (total === 1 ? " claim" : " claims") + " found" + (shown < total ? ", showing " + shown : "") + "."));
    results.forEach(function (r) { self.list.appendChild(self.item(r)); });
  };

  function init() {
    var root = document.getElementById("kb-search");
    if (!root || root.getAttribute("data-kb-ready")) return;
    root.setAttribute("data-kb-ready", "1");
    new Search(root).start();
  }

  // Material's instant navigation swaps pages without reloading scripts; document$ tells us when.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
