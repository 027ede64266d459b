// Swagger UI draws /api/docs/ and redraws it as the reader opens things. After each
// redraw: its title block is the page's banner (the operations are its main), its tag
// and model headings follow its h1 as level 2, and an operation's path inside the
// operation's toggle button is text, not a second control nested in the button (the
// button opens it and deep linking still updates the address).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  function set(element, name, value) {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }
  function tidy() {
    root.querySelectorAll(".information-container").forEach(function (info) {
      set(info, "role", "banner");
    });
    root.querySelectorAll("h3.opblock-tag, section.models > h4").forEach(function (h) {
      set(h, "aria-level", "2");
    });
    root.querySelectorAll(".opblock-summary-control a[href]").forEach(function (link) {
      link.removeAttribute("href");
    });
  }
  new MutationObserver(tidy).observe(root, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["href"],
  });
  tidy();
})();
