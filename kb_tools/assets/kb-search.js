/* The claim search page (#kb-search): results with highlights, badges, condition chips and citations;
 * facets with counts; sorting; "did you mean"; an empty state that says what to try. The query, the
 * facets and the sort live in the URL (?q=...&condition=...&design=...&sourcetype=...&sort=design), so
 * links can be shared and back and forward work. Answers come from window.kbSearch (kb-search-core.js).
 *
 * Safety: every string from the query, a claim or a citation goes in with textContent; only the
 * `highlight` HTML (escaped, with <mark>) goes in as HTML. */
(function () {
  "use strict";

  var PAGE = 20; // results per "Show more"
  var MAX = 100; // the API's largest limit
  var DEBOUNCE_MS = 250;

  function Page(root) {
    this.K = window.kbSearch;
    this.root = root;
    this.labels = JSON.parse(root.getAttribute("data-labels") || "{}");
    this.form = root.querySelector(".kb-search__form");
    this.input = root.querySelector(".kb-search__input");
    this.notice = root.querySelector(".kb-search__notice");
    this.filters = root.querySelector(".kb-search__filters");
    this.filtersCount = root.querySelector(".kb-search__filters-count");
    this.facets = root.querySelector(".kb-search__facets");
    this.status = root.querySelector(".kb-search__status");
    this.sortBox = root.querySelector(".kb-search__sort");
    this.sort = root.querySelector("#kb-search-sort");
    this.messages = root.querySelector(".kb-search__messages");
    this.list = root.querySelector(".kb-search__results");
    this.seq = 0;
    this.limit = PAGE;
    this.names = {};
    var self = this;
    (this.labels.conditions || []).forEach(function (c) { self.names[c.id] = c.label; });
    this.designOrder = (this.labels.designs || []).map(function (d) { return d.id; }).filter(function (d) { return d !== "none"; });
    this.designLabels = {};
    (this.labels.designs || []).forEach(function (d) { self.designLabels[d.id] = d.label; });
    // the facets, in the engine's order, with the headings the build gave them (kb_tools/search/facets.py)
    this.facetIds = (this.labels.facets || []).map(function (f) { return f.id; });
    this.facetNames = {};
    (this.labels.facets || []).forEach(function (f) { self.facetNames[f.id] = f.label; });
  }

  Page.prototype.readUrl = function () {
    var sp = new URLSearchParams(location.search), state = { q: sp.get("q") || sp.get("query") || "" };
    this.facetIds.forEach(function (f) { state[f] = sp.getAll(f).filter(Boolean); });
    state.sort = sp.get("sort") === "design" ? "design" : "relevance";
    return state;
  };

  Page.prototype.href = function (state) {
    var sp = new URLSearchParams();
    if (state.q) sp.set("q", state.q);
    this.facetIds.forEach(function (f) { state[f].forEach(function (v) { sp.append(f, v); }); });
    if (state.sort === "design") sp.set("sort", "design");
    var s = sp.toString();
    return location.pathname + (s ? "?" + s : "");
  };

  // ``push``: a new history entry (facets, sort, a submitted query); otherwise the entry is updated (typing).
  Page.prototype.go = function (push) {
    var url = this.href(this.state);
    if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"](null, "", url);
    this.run();
  };

  Page.prototype.start = function () {
    var self = this, timer = null;
    if (window.__kbSearchHref) { // the header template kept ?q= from the theme's page search (see partials/search.html)
      history.replaceState(history.state, "", window.__kbSearchHref);
      window.__kbSearchHref = null;
    }
    if (window.matchMedia("(min-width: 60em)").matches) this.filters.open = true;
    this.state = this.readUrl();
    this.input.value = this.state.q;
    this.sort.value = this.state.sort;
    this.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      self.state.q = self.input.value.trim();
      self.limit = PAGE;
      self.go(true);
    });
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.state.q = self.input.value.trim(); self.limit = PAGE; self.go(false); }, DEBOUNCE_MS);
    });
    this.sort.addEventListener("change", function () { self.state.sort = self.sort.value; self.go(true); });
    this.facets.addEventListener("change", function (ev) {
      var box = ev.target;
      if (!box.matches("input[type=checkbox]")) return;
      var list = self.state[box.name].filter(function (v) { return v !== box.value; });
      if (box.checked) list.push(box.value);
      self.state[box.name] = list;
      self.limit = PAGE;
      self.go(true);
    });
    window.addEventListener("popstate", function () {
      self.state = self.readUrl();
      self.input.value = self.state.q;
      self.sort.value = self.state.sort;
      self.limit = PAGE;
      self.run();
    });
    this.run();
  };

  Page.prototype.filtered = function () {
    var s = this.state;
    return this.facetIds.reduce(function (n, f) { return n + s[f].length; }, 0);
  };

  Page.prototype.run = function () {
    var self = this, seq = ++this.seq, state = this.state;
    if (!state.q && !this.filtered()) { this.clear(); return; }
    var params = Object.assign({}, state, { limit: this.limit });
    this.K.query(params).then(function (r) {
      if (seq === self.seq) self.show(r);
    }, function () {
      if (seq === self.seq) self.status.textContent = "Search failed; try again.";
    });
  };

  Page.prototype.clear = function () {
    this.list.textContent = this.messages.textContent = this.status.textContent = "";
    this.filters.hidden = this.sortBox.hidden = true;
  };

  Page.prototype.show = function (r) {
    var K = this.K, self = this;
    if (r.mode === "static" && this.notice.hidden) {
      this.notice.textContent = "Searched in your browser: this host has no search service, so your browser loads " +
        "the claims and searches them by the search service's own rules (the conditions' names, everyday words for " +
        "the site's terms, filters typed into the query such as author: or year:).";
      this.notice.hidden = false;
    }
    this.clear();
    if (r.error) {
      this.status.textContent = r.error;
      if (this.filtered()) this.emptyState(); // a filter the search does not know: offer to clear them
      return;
    }
    (r.facets && r.facets.condition || []).forEach(function (f) { self.names[f.value] = f.label; });
    if (r.facets) this.showFacets(r.facets);
    this.sortBox.hidden = !r.facets || !r.total;
    var shown = r.results.length;
    this.status.textContent = r.total === 0 ? "No claims found." :
      r.total + (r.total === 1 ? " claim found" : " claims found") + (shown < r.total ? ", showing " + shown : "") + ".";
    this.showMessages(r);
    var focusFrom = Math.min(shown, this.focusFrom || Infinity);
    r.results.forEach(function (res) { self.list.appendChild(self.item(res)); });
    if (shown < r.total && this.limit < MAX) {
      var more = K.el("button", "md-button kb-search__more", "Show more results");
      more.type = "button";
      more.addEventListener("click", function () {
        self.focusFrom = shown;
        self.limit = Math.min(MAX, self.limit + PAGE);
        self.run();
      });
      var li = K.el("li", "kb-search__more-item");
      li.appendChild(more);
      this.list.appendChild(li);
    }
    if (this.focusFrom) { // after "Show more": on to the first new result
      var link = this.list.querySelectorAll(".kb-search__claim")[focusFrom];
      if (link) link.focus();
      this.focusFrom = 0;
    }
  };

  Page.prototype.showMessages = function (r) {
    var K = this.K, self = this, q = this.state.q;
    var say = function (cls) { var p = K.el("p", "kb-search__message " + (cls || "")); self.messages.appendChild(p); return p; };
    if (r.suggestion) {
      var p = say("kb-search__didyoumean");
      p.appendChild(document.createTextNode(r.total ? "Showing results for " : "Did you mean "));
      var a = K.el("a", "kb-search__suggestion", r.suggestion);
      a.href = this.href(Object.assign({}, this.state, { q: r.suggestion }));
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        self.input.value = self.state.q = r.suggestion;
        self.go(true);
        self.input.focus();
      });
      p.appendChild(a);
      p.appendChild(document.createTextNode(r.total ? " (no claim has “" + q + "”)." : "?"));
    }
    if (r.relaxed && r.total) say("kb-search__relaxed").textContent =
      "No claim has all of your words; these match only some of them. Fewer or other words may find more.";
    if (r.total === 0) this.emptyState();
  };

  Page.prototype.emptyState = function () {
    var K = this.K, self = this, q = this.state.q, box = K.el("div", "kb-search__empty");
    box.appendChild(K.el("p", "", q ? "No claim matches “" + q + "”" + (this.filtered() ? " with these filters." : ".") : "No claim has these filters."));
    var ul = K.el("ul"), tip = function (text) { var li = K.el("li", "", text); ul.appendChild(li); return li; };
    if (this.filtered()) {
      var li = tip(""), b = K.el("button", "kb-search__linkish", "Clear the filters");
      b.type = "button";
      b.addEventListener("click", function () { self.clearFilters(); });
      li.appendChild(b);
      li.appendChild(document.createTextNode(" or choose fewer of them."));
    }
    if (q) {
      tip("Check the spelling, or use fewer or more general words: a symptom, a treatment, a condition.");
      var last = tip(""), page = K.el("button", "kb-search__linkish", "Search the pages' text for “" + q + "”");
      page.type = "button";
      page.addEventListener("click", function () { K.openPageSearch(q); });
      last.appendChild(page);
      last.appendChild(document.createTextNode(" (explanations and guides that are not cited claims)."));
    }
    box.appendChild(ul);
    this.messages.appendChild(box);
  };

  Page.prototype.clearFilters = function () {
    var s = this.state;
    this.facetIds.forEach(function (f) { s[f] = []; });
    this.go(true);
    this.input.focus();
  };

  Page.prototype.showFacets = function (facets) {
    var K = this.K, self = this, focused = document.activeElement, keep = null;
    if (focused && this.facets.contains(focused) && focused.name) keep = focused.name + "\u0000" + focused.value;
    this.facets.textContent = "";
    self.facetIds.forEach(function (f) {
      var values = (facets[f] || []).filter(function (v) { return v.count > 0 || self.state[f].indexOf(v.value) >= 0; });
      if (!values.length) return;
      var set = K.el("fieldset", "kb-facet"), ul = K.el("ul", "kb-facet__list");
      set.appendChild(K.el("legend", "kb-facet__name", self.facetNames[f]));
      values.forEach(function (v) {
        var li = K.el("li"), label = K.el("label", "kb-facet__option"), box = K.el("input");
        box.type = "checkbox";
        box.name = f;
        box.value = v.value;
        box.checked = self.state[f].indexOf(v.value) >= 0;
        label.appendChild(box);
        label.appendChild(K.el("span", "kb-facet__label", v.label || v.value));
        var count = K.el("span", "kb-facet__count", String(v.count));
        count.appendChild(K.el("span", "kb-sr-only", v.count === 1 ? " claim" : " claims"));
        label.appendChild(count);
        li.appendChild(label);
        ul.appendChild(li);
        if (keep === f + "\u0000" + v.value) keep = box;
      });
      set.appendChild(ul);
      self.facets.appendChild(set);
    });
    var n = this.filtered();
    if (n) {
      var clear = K.el("button", "md-button kb-search__clear", "Clear filters");
      clear.type = "button";
      clear.addEventListener("click", function () { self.clearFilters(); });
      this.facets.appendChild(clear);
    }
    this.filtersCount.textContent = n ? "(" + n + " on)" : "";
    this.filters.hidden = !this.facets.childElementCount;
    if (keep && keep.focus) keep.focus(); // the box just ticked keeps the focus across the re-render
  };

  Page.prototype.badges = function (r) {
    var K = this.K, parts = [], auth = this.labels.authorities || {};
    (r.authorities || []).forEach(function (a) {
      var b = K.el("span", "kb-authority kb-authority-" + a, auth[a] || a);
      b.title = "A statement by an authority, not a study design";
      parts.push(b);
    });
    if (!r.design && !parts.length) parts.push(K.el("span", "kb-level kb-level-none", "not graded"));
    else if (r.design || !parts.length) {
      var n = this.designOrder.indexOf(r.design);
      if (n < 0) parts.push(K.el("span", "kb-level kb-level-none", r.design === "none" ? "no study design" : "design not given"));
      else {
        var d = K.el("span", "kb-level kb-level-" + n, this.designLabels[r.design] || r.design);
        d.title = "Study design " + (n + 1) + " of " + this.designOrder.length + " (1 is strongest)";
        parts.push(d);
      }
    }
    var box = K.el("span", "kb-search__evidence");
    parts.forEach(function (b, i) {
      if (i) box.appendChild(document.createTextNode(" · "));
      box.appendChild(b);
    });
    return box;
  };

  Page.prototype.item = function (r) {
    var K = this.K, self = this, dirurls = this.labels.dirurls, li = K.el("li", "kb-search__result");
    var where = K.el("p", "kb-search__where"), link = K.el("a", "kb-search__claim", r.page || "Claim");
    link.href = K.claimUrl(r.url);
    if (r.section && r.section !== r.page) link.appendChild(K.el("span", "kb-search__section", " › " + r.section));
    where.appendChild(link);
    li.appendChild(where);
    var text = K.el("p", "kb-search__text");
    text.innerHTML = r.highlight || K.escapeHtml(r.text); // escaped, with <mark> only: see the top of the file
    li.appendChild(text);
    var meta = K.el("div", "kb-search__meta");
    meta.appendChild(this.badges(r));
    if (r.conditions && r.conditions.length) {
      var chips = K.el("ul", "kb-search__conditions");
      chips.setAttribute("aria-label", "Conditions");
      r.conditions.forEach(function (c) {
        // a condition the claim is not about treating says how it is about it: "Liver disease (harm)"
        var role = (r.roles || {})[c], name = self.names[c] || c;
        if (role !== "harm" && role !== "exclusion") role = "treated";
        var chip = K.el("a", "kb-chip kb-chip--" + role, role === "treated" ? name : name + " (" + role + ")"), cli = K.el("li");
        chip.href = K.conditionUrl(c, dirurls);
        cli.appendChild(chip);
        chips.appendChild(cli);
      });
      meta.appendChild(chips);
    }
    li.appendChild(meta);
    if (r.sources && r.sources.length) {
      var src = K.el("p", "kb-search__sources");
      src.appendChild(K.el("span", "kb-search__sources-label", r.sources.length === 1 ? "Source: " : "Sources: "));
      r.sources.forEach(function (s, i) {
        if (i) src.appendChild(document.createTextNode("; "));
        var a = K.el("a", "", s.citation || "a cited source");
        a.href = K.sourceUrl(s.key, dirurls);
        src.appendChild(a);
      });
      li.appendChild(src);
    }
    return li;
  };

  function init() {
    var root = document.getElementById("kb-search");
    if (!root || !window.kbSearch || root.getAttribute("data-kb-ready")) return;
    root.setAttribute("data-kb-ready", "1");
    new Page(root).start();
  }

  // Material's instant navigation swaps pages without reloading scripts; document$ tells us when.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
