// A table or box that scrolls sideways (a wide table on a phone) can be reached and scrolled with the keyboard:
// it gets tabindex="0" and is named after its caption (axe: scrollable-region-focusable).
(function () {
  function mark() {
    document.querySelectorAll("main table, .scroll, .table-wrap, .gantt-wrap").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-qala-scroll", "");
        if (el.tagName !== "TABLE" && !el.hasAttribute("role")) el.setAttribute("role", "region");
        var cap = el.querySelector("caption");
        if (!el.hasAttribute("aria-label") && cap && el.tagName !== "TABLE") el.setAttribute("aria-label", cap.textContent.trim());
      } else if (!scrolls && el.hasAttribute("data-qala-scroll")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-qala-scroll");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSwap", mark);
})();
