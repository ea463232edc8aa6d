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
  // Staff pages: warn before the session ends for inactivity, and let the person stay signed
  // in without leaving the page, so nothing they typed is lost (WCAG 2.2.1 Timing Adjustable).
  // The server ends the session either way; without this script the footer says the limit.
  function sessionWarning() {
    var body = document.body;
    var dialog = document.querySelector("[data-session-warning]");
    if (!dialog || !body.dataset.sessionIdleSeconds || typeof dialog.showModal !== "function") return;
    var warnSeconds = Number(body.dataset.sessionWarnSeconds);
    var idleSeconds = Number(body.dataset.sessionIdleSeconds);
    var status = document.querySelector("[data-session-status]");
    var timers = [];
    var returnFocus = null;

    function show(state) {
      ["warning", "final", "ended"].forEach(function (name) {
        dialog.querySelector("[data-session-state='" + name + "']").hidden = name !== state;
      });
      if (!dialog.open) {
        returnFocus = document.activeElement;
        dialog.showModal();
      }
      var part = dialog.querySelector("[data-session-state='" + state + "']");
      dialog.setAttribute("aria-labelledby", part.querySelector("h2").id);
      dialog.setAttribute("aria-describedby", part.querySelector("p").id);
      part.querySelector("button").focus();
    }

    function close() {
      if (dialog.open) dialog.close();
      if (returnFocus && returnFocus.focus) returnFocus.focus();
    }

    function schedule(secondsLeft) {
      timers.forEach(clearTimeout);
      var minutes = Math.max(1, Math.round(Math.min(warnSeconds, secondsLeft) / 60));
      dialog.querySelectorAll("[data-session-minutes]").forEach(function (span) {
        span.textContent = minutes + (minutes === 1 ? " minute" : " minutes");
      });
      // Ending sooner than the idle limit: the session's absolute end, which nothing extends.
      var final = secondsLeft < idleSeconds - 5;
      timers = [
        setTimeout(function () { show(final ? "final" : "warning"); },
                   Math.max(0, secondsLeft - warnSeconds) * 1000),
        setTimeout(function () { show("ended"); }, secondsLeft * 1000)
      ];
    }

    function extend() {
      var token = document.querySelector("input[name='csrf_token']");
      fetch(body.dataset.sessionExtendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) {
        return response.ok ? response.json() : { signed_in: false };
      }).then(function (answer) {
        if (!answer.signed_in) { show("ended"); return; }
        close();
        schedule(answer.seconds_left);
        status.textContent = "";
        // A moment later, so screen readers notice the change of a live region.
        setTimeout(function () { status.textContent = "You are still signed in."; }, 100);
      }, function () { show("ended"); });
    }

    dialog.querySelector("[data-session-extend]").addEventListener("click", extend);
    dialog.querySelectorAll("[data-session-close]").forEach(function (button) {
      button.addEventListener("click", close);
    });
    // Escape means "not now": while the warning shows, staying signed in is the safe reading.
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      if (!dialog.querySelector("[data-session-state='warning']").hidden) extend(); else close();
    });
    schedule(Number(body.dataset.sessionSecondsLeft));
  }

  document.addEventListener("DOMContentLoaded", sessionWarning);
})();
