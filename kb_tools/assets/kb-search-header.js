/* The header's search box (partials/search.html; built here where the theme does not read that partial, as
 * under Zensical): a combobox that lists the top claims as you type.
 *
 * Arrow keys move through the options (aria-activedescendant keeps the focus in the box), Enter opens
 * the chosen claim, or the search page with every result when none is chosen, and Escape closes the
 * list (a second Escape empties the box). The last two options open every result on the search page
 * and the theme's search of the pages' text. The "/", "s" and "f" keys focus the box, as they focused
 * the theme's search before. On phones the box opens from a button over the header.
 *
 * Safety: claim text goes in as the escaped `highlight` HTML (see kb-search-core.js); the rest with
 * textContent. */
(function () {
  "use strict";

  var SHOWN = 6;
  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 2;

  function Box(root) {
    this.K = window.kbSearch;
    this.root = root;
    this.form = root.querySelector(".kb-hsearch__form");
    this.input = root.querySelector(".kb-hsearch__input");
    this.opener = root.querySelector(".kb-hsearch__open");
    this.closer = root.querySelector(".kb-hsearch__close");
    this.popup = root.querySelector(".kb-hsearch__popup");
    this.list = root.querySelector(".kb-hsearch__list");
    this.live = root.querySelector(".kb-hsearch__live");
    this.options = [];
    this.active = -1;
    this.seq = 0;
  }

  Box.prototype.searchPage = function (q) {
    var url = new URL(this.form.getAttribute("action"), location.href);
    url.search = q ? "?q=" + encodeURIComponent(q) : "";
    return url.href;
  };

  Box.prototype.start = function () {
    var self = this, timer = null;
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.lookup(); }, DEBOUNCE_MS);
    });
    this.input.addEventListener("keydown", function (ev) { self.key(ev); });
    this.input.addEventListener("focus", function () { if (self.options.length && self.input.value.trim()) self.show(true); });
    this.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      self.go(self.searchPage(self.input.value.trim()));
    });
    this.list.addEventListener("mousedown", function (ev) { ev.preventDefault(); }); // the focus stays in the box
    this.list.addEventListener("click", function (ev) {
      var li = ev.target.closest("[role=option]");
      if (li) self.choose(self.options.indexOf(li));
    });
    this.opener.addEventListener("click", function () { self.expand(true); });
    this.closer.addEventListener("click", function () {
      self.show(false);
      self.expand(false);
    });
    document.addEventListener("click", function (ev) { if (!self.root.contains(ev.target)) self.show(false); });
    this.input.addEventListener("blur", function () {
      setTimeout(function () { if (!self.root.contains(document.activeElement)) self.show(false); }, 0);
    });
    // "/", "s" and "f" focused the theme's search; they focus this box (capture: before the theme sees them).
    window.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ["/", "s", "f"].indexOf(ev.key) < 0) return;
      var t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      var toggle = document.getElementById("__search");
      if (toggle && toggle.checked) return;
      ev.preventDefault();
      ev.stopPropagation();
      self.expand(true);
    }, true);
  };

  // Phones: the box opens over the header from its button, and closes back to it.
  Box.prototype.expand = function (open) {
    this.root.classList.toggle("kb-hsearch--open", open);
    this.opener.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { this.input.focus(); this.input.select(); } else if (getComputedStyle(this.opener).display !== "none") this.opener.focus();
  };

  Box.prototype.go = function (href) { location.href = href; };

  Box.prototype.lookup = function () {
    var self = this, q = this.input.value.trim(), seq = ++this.seq;
    if (q.length < MIN_CHARS) { this.render(null, q); return; }
    this.K.query({ q: q, limit: SHOWN, prefix: true }).then(function (r) {
      if (seq === self.seq) self.render(r, q);
    }, function () {
      if (seq === self.seq) self.render({ results: [], total: 0, error: "Search failed" }, q);
    });
  };

  Box.prototype.option = function (cls, id) {
    var li = this.K.el("li", "kb-hsearch__option " + cls);
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.id = "kb-hsearch-opt-" + id;
    return li;
  };

  Box.prototype.render = function (r, q) {
    var K = this.K, self = this;
    this.list.textContent = "";
    this.options = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    if (!r) { this.show(false); this.live.textContent = ""; return; }
    (r.results || []).forEach(function (res, i) {
      var li = self.option("kb-hsearch__claim", i);
      var text = K.el("span", "kb-hsearch__text");
      text.innerHTML = res.highlight || K.escapeHtml(res.text); // escaped, with <mark> only
      li.appendChild(text);
      var where = (res.page || "") + (res.section && res.section !== res.page ? " › " + res.section : "");
      li.appendChild(K.el("span", "kb-hsearch__where", where));
      li.dataset.href = K.claimUrl(res.url);
      self.list.appendChild(li);
      self.options.push(li);
    });
    var all = this.option("kb-hsearch__action kb-hsearch__all", "all");
    var shown = (r.results || []).length;
    all.textContent = r.total > shown ? "See all " + r.total + " claims for “" + q + "”" :
      r.total ? "Open the search page for “" + q + "”, with filters" : "No claim matches “" + q + "”: open the search page for suggestions";
    all.dataset.href = this.searchPage(q);
    var text = this.option("kb-hsearch__action kb-hsearch__pages", "pages");
    text.textContent = "Search the pages' text for “" + q + "”";
    text.dataset.pages = q;
    [all, text].forEach(function (li) { self.list.appendChild(li); self.options.push(li); });
    this.show(true);
    this.live.textContent = r.error ? r.error + "." : (r.total === 0 ? "No claims found." :
      r.total + (r.total === 1 ? " claim found" : " claims found") + (shown < r.total ? ", " + shown + " shown" : "") +
      ". Use the up and down arrow keys to choose one.");
  };

  Box.prototype.show = function (open) {
    open = open && this.options.length > 0;
    this.popup.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) this.setActive(-1);
  };

  Box.prototype.setActive = function (n) {
    if (this.active >= 0 && this.options[this.active]) this.options[this.active].setAttribute("aria-selected", "false");
    this.active = n;
    var li = this.options[n];
    if (!li) { this.input.removeAttribute("aria-activedescendant"); return; }
    li.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({ block: "nearest" });
  };

  Box.prototype.choose = function (n) {
    var li = this.options[n];
    if (!li) return;
    if (li.dataset.pages !== undefined) {
      this.show(false);
      this.expand(false);
      this.K.openPageSearch(li.dataset.pages);
    } else this.go(li.dataset.href);
  };

  Box.prototype.key = function (ev) {
    var open = !this.popup.hidden, n = this.options.length;
    switch (ev.key) {
      case "ArrowDown":
      case "ArrowUp":
        ev.preventDefault();
        if (!open) { this.show(true); if (!this.options.length) this.lookup(); return; }
        var step = ev.key === "ArrowDown" ? 1 : -1;
        this.setActive(this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n);
        return;
      case "Enter":
        if (open && this.active >= 0) { ev.preventDefault(); this.choose(this.active); }
        return; // otherwise the form is submitted: every result on the search page
      case "Escape":
        ev.preventDefault();
        ev.stopPropagation();
        if (open) this.show(false);
        else if (this.input.value) { this.input.value = ""; this.render(null, ""); }
        else this.expand(false);
        return;
      case "Tab":
        this.show(false);
    }
  };

  // The box as partials/search.html writes it, for a theme that does not read kb's partial (Zensical):
  // every engine's header then has the claim search. Constant markup; the action is set as an attribute.
  var MAGNIFY = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true"><path d="M9.5 3A6.5 ' +
    '6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 6.52 0 0 1 9.5 16 ' +
    '6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5"/></svg>';
  var CLOSE = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true"><path d="M19 6.41 ' +
    '17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z"/></svg>';
  var MARKUP =
    '<button type="button" class="kb-hsearch__open md-header__button md-icon" aria-label="Search claims" ' +
    'aria-expanded="false" aria-controls="kb-hsearch-form">' + MAGNIFY + '</button>' +
    '<form class="kb-hsearch__form" id="kb-hsearch-form" role="search" aria-label="Claims" method="get">' +
    '<label class="kb-sr-only" for="kb-hsearch-q">Search claims</label>' +
    '<span class="kb-hsearch__icon md-icon" aria-hidden="true">' + MAGNIFY + '</span>' +
    '<input id="kb-hsearch-q" class="kb-hsearch__input" type="search" name="q" placeholder="Search claims" ' +
    'autocomplete="off" autocapitalize="off" spellcheck="false" maxlength="300" role="combobox" ' +
    'aria-autocomplete="list" aria-expanded="false" aria-controls="kb-hsearch-list" aria-describedby="kb-hsearch-hint">' +
    '<button type="button" class="kb-hsearch__close md-icon" aria-label="Close the claim search">' + CLOSE + '</button>' +
    '<div class="kb-hsearch__popup" hidden><ul class="kb-hsearch__list" id="kb-hsearch-list" role="listbox" ' +
    'aria-label="Claims found"></ul></div>' +
    '<span class="kb-sr-only" id="kb-hsearch-hint">Type to see matching claims; arrow keys choose one, Enter ' +
    'opens it or every result.</span><span class="kb-sr-only kb-hsearch__live" role="status" aria-live="polite"></span>' +
    '</form>';

  function injected() {
    var header = document.querySelector(".md-header__inner");
    if (!header || !window.kbSearch) return null;
    var root = document.createElement("div");
    root.className = "kb-hsearch";
    root.setAttribute("data-kb-hsearch", "");
    root.innerHTML = MARKUP;
    // the search page as the site links it (its nav entry knows the site's URL style), else by directory
    var base = window.kbSearch.base.href, nav = Array.prototype.find.call(document.querySelectorAll(".md-nav a[href]"),
      function (a) { return a.href === base + "search/" || a.href === base + "search.html"; });
    root.querySelector("form").setAttribute("action", nav ? nav.href : window.kbSearch.searchUrl());
    var at = header.querySelector('label[for="__search"]') || header.querySelector(".md-search");
    header.insertBefore(root, at || null);
    return root;
  }

  function init() {
    var root = document.querySelector("[data-kb-hsearch]") || injected();
    if (!root || !window.kbSearch || root.getAttribute("data-kb-ready")) return;
    root.setAttribute("data-kb-ready", "1");
    new Box(root).start();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
