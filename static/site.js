// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The question a field answers: its legend for a radio or checkbox group, else its label.
  function questionFor(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset && (input.type === "radio" || input.type === "checkbox")) {
      var legend = fieldset.querySelector("legend");
      if (legend) return legend;
    }
    return input.id ? document.querySelector("label[for='" + CSS.escape(input.id) + "']") : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Start keyboard and screen reader users at the list of problems (the HTML autofocus
    // attribute does the same where scripts are off).
    var summary = document.querySelector("[data-error-summary]");
    if (summary && !summary.contains(document.activeElement)) {
      summary.focus();
    }
  });

  // A link in the error summary focuses its field and scrolls so the question above the field
  // is in view too; the browser's own jump would show the box without its label.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) return;
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input || !/^(INPUT|SELECT|TEXTAREA)$/.test(input.tagName)) return;
    event.preventDefault();
    (questionFor(input) || input).scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  });
})();
