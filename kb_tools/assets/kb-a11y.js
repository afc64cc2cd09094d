/* kb: accessible names Material's templates leave out (axe-core: aria-dialog-name).
 * The header search is a dialog without a name; name it after its input. */
(function () {
  "use strict";
  function name() {
    var dialogs = document.querySelectorAll('[role="dialog"]:not([aria-label]):not([aria-labelledby])');
    for (var d of dialogs) if (d.classList.contains("md-search")) d.setAttribute("aria-label", "Search the site");
  }
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(name);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", name);
  else name();
})();
