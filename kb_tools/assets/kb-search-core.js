/* kb claim search, shared by the header's search box and the search page: window.kbSearch.
 *
 * kbSearch.query(params) answers in the shape of GET /api/search. Under `kb serve` it asks the API;
 * where there is none (static hosting, `mkdocs serve`) it searches claims.json in the browser, with
 * search-data.json for page titles, citations, labels and the KB's condition names and lay terms
 * (kb-search-terms.js reads the query, kb-search-static.js matches and ranks). It finds out once per
 * browser tab which of the two it has.
 *
 * Safety: `highlight` is HTML. The server escapes it; the static search builds it by escaping the claim
 * text first and adding only <mark>. Everything else is text, for callers to put in with textContent. */
(function () {
  "use strict";

  var MODE_KEY = "kb-search-mode";
  var FACETS = ["condition", "role", "design", "sourcetype"];

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
        return window.kbSearchStatic.prepare(got[0], got[1]);
      });
      data.catch(function () { data = null; });
    }
    return data;
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
      return loadStatic().then(function (db) { return window.kbSearchStatic.search(db, p); }, function () {
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
