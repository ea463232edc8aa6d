// Page checks that axe-core does not make, run inside the page by tests/browser/helpers.py.
// The file is one expression: an object of functions, each returning plain data.
(() => {
  const text = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
    const label = text(el).slice(0, 60);
    return `<${el.tagName.toLowerCase()}${id}${name}>${label ? ` "${label}"` : ""}`;
  };
  const shown = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: false });
  const visuallyHidden = (el) => {
    if (el.closest(".visually-hidden")) return true;
    const r = el.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1;
  };
  const FOCUSABLE = "a[href], area[href], button, input, select, textarea, summary, iframe, " +
    "[tabindex], [contenteditable=''], [contenteditable='true']";
  const tabbable = () => [...document.querySelectorAll(FOCUSABLE)].filter((el) =>
    !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && shown(el));
  const controls = () => [...document.querySelectorAll("input, select, textarea")].filter((el) =>
    el.type !== "hidden" && !["submit", "button", "reset", "image"].includes(el.type) && shown(el));
  const visibleLabels = (el) => [...(el.labels || [])].filter((l) =>
    shown(l) && !visuallyHidden(l) && text(l));
  // The words a person sees as the question: the label, or for a radio/checkbox group its legend.
  const groupOf = (el) => {
    if (!["radio", "checkbox"].includes(el.type) || !el.name) return [el];
    const form = el.form || document;
    return [...form.querySelectorAll(`input[name="${CSS.escape(el.name)}"]`)];
  };
  // The person's own name (autocomplete="name"); not names typed about someone else.
  const PERSONAL_NAME = /(^|_)(contact_name|full_name|your_name)$/;
  const hintText = (el) => (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean).map(text).join(" ");

  const LANDMARK_ROLES = ["banner", "complementary", "contentinfo", "form", "main", "navigation",
    "region", "search"];
  // The accessible name from aria-labelledby, aria-label or title (what names a landmark).
  const accessibleName = (el) => {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    const labelled = ids.map((id) => document.getElementById(id)).filter(Boolean).map(text).join(" ");
    return (labelled || (el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim() ||
      (el.getAttribute("title") || "").trim());
  };

  // optionalWord: what the page's language writes for "(optional)" in a label.
  function structure(optionalWord = "(optional)") {
    const problems = [];
    if (!(document.documentElement.getAttribute("lang") || "").trim()) {
      problems.push("<html> has no lang attribute");
    }
    const h1s = document.querySelectorAll("h1");
    if (h1s.length !== 1) problems.push(`${h1s.length} <h1> elements; want exactly one`);
    let previous = 1;
    for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
      const level = Number(h.tagName[1]);
      if (level > previous + 1) {
        problems.push(`heading level skipped: h${previous} then h${level} "${text(h)}"`);
      }
      if (!text(h)) problems.push(`empty heading ${describe(h)}`);
      previous = level;
    }

    // Skip link first, pointing at the one main landmark.
    const order = tabbable();
    const positive = order.filter((el) => el.tabIndex > 0);
    positive.forEach((el) => problems.push(`positive tabindex breaks the order: ${describe(el)}`));
    const first = order[0];
    if (!first || !first.classList.contains("skip-link") || first.getAttribute("href") !== "#main") {
      problems.push(`first focusable element is ${first ? describe(first) : "nothing"}, ` +
        "not the skip link to #main");
    }
    const mains = document.querySelectorAll("main, [role=main]");
    if (mains.length !== 1 || mains[0].id !== "main") {
      problems.push(`want exactly one <main id="main">; found ${mains.length}`);
    }
    const banners = [...document.querySelectorAll("header, [role=banner]")].filter((el) =>
      !el.closest("article, aside, main, nav, section") || el.getAttribute("role") === "banner");
    if (banners.length !== 1) problems.push(`want one page <header> landmark; found ${banners.length}`);
    const footers = [...document.querySelectorAll("footer, [role=contentinfo]")].filter((el) =>
      !el.closest("article, aside, main, nav, section") || el.getAttribute("role") === "contentinfo");
    if (footers.length !== 1) problems.push(`want one page <footer> landmark; found ${footers.length}`);
    const navs = document.querySelectorAll("nav, [role=navigation]");
    if (navs.length === 0) problems.push("no <nav> landmark");
    if (navs.length > 1) {
      const names = [...navs].map((n) => n.getAttribute("aria-label") || n.getAttribute("aria-labelledby"));
      if (names.some((n) => !n) || new Set(names).size !== names.length) {
        problems.push("several <nav> landmarks without distinct aria-label");
      }
    }

    // Ids: one element per id, or labels, hints and skip links reach the wrong one.
    const byId = new Map();
    document.querySelectorAll("[id]").forEach((el) => {
      if (el.id) byId.set(el.id, (byId.get(el.id) || 0) + 1);
    });
    for (const [id, count] of byId) {
      if (count > 1) problems.push(`duplicate id="${id}" on ${count} elements`);
    }

    // Form landmarks: a screen reader lists each by name, so each needs its own.
    // A <form> is a landmark only when it has a name (or an explicit landmark role).
    const landmarks = new Map();
    for (const el of document.querySelectorAll("form, [role=form], [role=search]")) {
      const role = (el.getAttribute("role") || "").trim().split(/\s+/)[0] ||
        (el.tagName === "FORM" ? "form" : "");
      const name = accessibleName(el);
      if (!LANDMARK_ROLES.includes(role) || (el.tagName === "FORM" && !el.hasAttribute("role") && !name)) {
        continue;
      }
      if (role === "form" && !name) problems.push(`form landmark without a name: ${describe(el)}`);
      if (!landmarks.has(role)) landmarks.set(role, []);
      landmarks.get(role).push({ el, name });
    }
    for (const [role, found] of landmarks) {
      if (found.length < 2) continue;
      const seen = new Map();
      for (const { el, name } of found) {
        if (!name) problems.push(`one of ${found.length} ${role} landmarks has no name: ${describe(el)}`);
        else if (seen.has(name)) problems.push(`${role} landmarks share the name "${name}"`);
        else seen.set(name, el);
      }
    }

    // Per-row buttons: one name per action, so a list of buttons says which row each acts on.
    const actions = new Map();
    for (const el of document.querySelectorAll("form button, form input[type=submit]")) {
      if (el.tagName === "BUTTON" && (el.getAttribute("type") || "submit").toLowerCase() !== "submit") continue;
      const name = (el.getAttribute("aria-label") || (el.tagName === "BUTTON" ? text(el) : el.value) || "")
        .replace(/\s+/g, " ").trim();
      const form = el.form;
      const does = `${form.getAttribute("method") || "get"} ${form.getAttribute("action") || location.href} ${el.name}=${el.value}`;
      if (!actions.has(name)) actions.set(name, new Set());
      actions.get(name).add(does);
    }
    for (const [name, does] of actions) {
      if (does.size > 1) problems.push(`${does.size} buttons named "${name}" do different things`);
    }

    // Forms: visible labels, wiring, groups, autocomplete, "(optional)".
    const referenced = new Set();
    document.querySelectorAll("[aria-describedby]").forEach((el) => {
      for (const id of el.getAttribute("aria-describedby").split(/\s+/).filter(Boolean)) {
        referenced.add(id);
        if (!document.getElementById(id)) {
          problems.push(`${describe(el)} aria-describedby points at missing #${id}`);
        }
      }
    });
    document.querySelectorAll("form .hint, form .error-message").forEach((el) => {
      if (!el.id || !referenced.has(el.id)) {
        problems.push(`hint or error not joined to its field by aria-describedby: "${text(el)}"`);
      }
    });
    const seenGroups = new Set();
    for (const el of controls()) {
      const group = groupOf(el);
      const isGroup = el.type === "radio" || (el.type === "checkbox" && group.length > 1);
      if (!visibleLabels(el).length) problems.push(`${describe(el)} has no visible label`);
      const ownErrors = (el.getAttribute("aria-describedby") || "").split(/\s+/)
        .map((id) => id && document.getElementById(id)).filter((e) => e && e.matches(".error-message"));
      if (ownErrors.length && el.getAttribute("aria-invalid") !== "true") {
        problems.push(`${describe(el)} has an error message but no aria-invalid="true"`);
      }
      let question = visibleLabels(el).map(text).join(" ");
      if (isGroup) {
        const fieldset = el.closest("fieldset");
        const legend = fieldset && fieldset.querySelector(":scope > legend");
        if (!legend || !text(legend)) {
          problems.push(`${describe(el)} is in a radio/checkbox group without fieldset and legend`);
          continue;
        }
        if (group.some((other) => other.closest("fieldset") !== fieldset)) {
          problems.push(`the "${el.name}" group is split across fieldsets`);
        }
        if (seenGroups.has(el.name)) continue;
        seenGroups.add(el.name);
        question = text(legend);
      }
      const needsAutocomplete = ["email", "tel", "password"].includes(el.type) ||
        PERSONAL_NAME.test(el.name || "") || /^your (full )?name/i.test(question);
      if (needsAutocomplete && !el.getAttribute("autocomplete")) {
        problems.push(`${describe(el)} has no autocomplete attribute`);
      }
      const form = el.form;
      const isPostForm = form && (form.getAttribute("method") || "get").toLowerCase() === "post";
      const singleCheckbox = el.type === "checkbox" && group.length === 1;
      const checkboxGroup = el.type === "checkbox" && group.length > 1;
      // A select without an empty choice always sends a value, so it is never "optional".
      const alwaysSet = el.tagName === "SELECT" && ![...el.options].some((o) => o.value === "");
      if (isPostForm && !singleCheckbox && !checkboxGroup && !alwaysSet) {
        const required = group.some((g) => g.required || g.getAttribute("aria-required") === "true");
        const saysOptional = question.includes(optionalWord);
        // "Needed when ..." in the hint: required only in some cases, and the hint says which.
        const conditional = /\bneed(ed)?\b/i.test(hintText(el.closest("fieldset") || el) + hintText(el));
        if (required && saysOptional) problems.push(`required ${describe(el)} says "${optionalWord}"`);
        if (!required && !saysOptional && !conditional) {
          problems.push(`${describe(el)} is optional (no required attribute) but its label ` +
            `"${question}" does not say "${optionalWord}"`);
        }
      }
    }

    // The server validates and explains; the browser's own bubbles would pre-empt the summary.
    document.querySelectorAll("form").forEach((form) => {
      const hasFields = form.querySelector("input:not([type=hidden]), select, textarea");
      if ((form.getAttribute("method") || "").toLowerCase() === "post" && hasFields && !form.noValidate) {
        problems.push(`form ${form.getAttribute("action") || ""} lacks novalidate`);
      }
    });

    // Messages people must hear: success/info politely, errors at once.
    document.querySelectorAll(".flashes > *").forEach((el) => {
      const role = el.getAttribute("role");
      const isError = el.classList.contains("notice--error");
      if (isError && role !== "alert") problems.push(`error flash without role=alert: "${text(el)}"`);
      if (!isError && role !== "status") problems.push(`flash without role=status: "${text(el)}"`);
    });

    // The error summary: before the h1, links to real fields.
    const summary = document.querySelector(".error-summary");
    if (summary) {
      if (h1s[0] && !(summary.compareDocumentPosition(h1s[0]) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        problems.push("the error summary is not above the h1");
      }
      for (const link of summary.querySelectorAll("a[href^='#']")) {
        const target = document.getElementById((link.getAttribute("href") || "").replace(/^#/, ""));
        if (!target || !target.matches("input, select, textarea")) {
          problems.push(`error summary link ${link.getAttribute("href")} does not lead to a field`);
        }
      }
    }
    return problems;
  }

  // True for a link that sits in a sentence: WCAG 2.5.8's inline exception.
  function inSentence(el) {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display === "inline") block = block.parentElement;
    return !!block && text(block).length > text(el).length + 1;
  }

  function smallTargets() {
    const small = [];
    for (const el of tabbable()) {
      if (el.classList.contains("skip-link") || visuallyHidden(el) || el.tagName === "MAIN") continue;
      if (el.getAttribute("tabindex") === "-1") continue;
      const r = el.getBoundingClientRect();
      if (r.width >= 24 && r.height >= 24) continue;
      if (inSentence(el)) continue;
      small.push(`${describe(el)} is ${r.width.toFixed(1)}×${r.height.toFixed(1)} px`);
    }
    return small;
  }

  function motion() {
    const moving = [];
    for (const animation of document.getAnimations()) {
      if (animation.playState === "running") moving.push(`running animation on ${describe(animation.effect.target)}`);
    }
    for (const el of document.querySelectorAll("*")) {
      const s = getComputedStyle(el);
      const durations = (v) => v.split(",").map((d) => parseFloat(d) || 0);
      if (s.animationName !== "none" && durations(s.animationDuration).some((d) => d > 0)) {
        moving.push(`${describe(el)} has animation ${s.animationName}`);
      }
      if (s.transitionProperty !== "none" && durations(s.transitionDuration).some((d) => d > 0)) {
        moving.push(`${describe(el)} has transition ${s.transitionProperty} ${s.transitionDuration}`);
      }
    }
    if (getComputedStyle(document.documentElement).scrollBehavior === "smooth") {
      moving.push("html has smooth scrolling");
    }
    return moving;
  }

  // What has focus, and whether a sighted keyboard user can see it.
  function focus() {
    const el = document.activeElement;
    if (!el || el === document.body) {
      return { tag: "body", visible: false, description: "<body>", index: -1, title: document.title };
    }
    const s = getComputedStyle(el);
    const clear = (c) => c === "transparent" || /rgba\([^)]*,\s*0\)$/.test(c);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 && !clear(s.outlineColor);
    const shadow = !!s.boxShadow && s.boxShadow !== "none";
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute("name") || "",
      type: el.getAttribute("type") || "",
      href: el.getAttribute("href") || "",
      text: text(el).slice(0, 100),
      classes: el.className || "",
      description: describe(el),
      visible: outline || shadow,
      // Position in document order, to check that Tab follows the reading order.
      index: [...document.querySelectorAll("*")].indexOf(el),
      inErrorSummary: !!el.closest(".error-summary"),
      title: document.title,
      indicator: `outline: ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; box-shadow: ${s.boxShadow}`,
      onScreen: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    };
  }

  function overflow() {
    const root = document.documentElement;
    // What sticks out, leaving out what scrolls inside its own box (a wide table's region).
    const scrollsInside = (el) => {
      for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
        if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) return true;
      }
      return false;
    };
    const wide = [...document.body.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1 && shown(el) &&
        !scrollsInside(el))
      .slice(0, 8).map(describe);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
  }

  // Text cut off by a box that hides its overflow (WCAG 1.4.12 text spacing, 1.4.4 resize).
  function clipped() {
    const cut = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest(".visually-hidden") || !shown(el) || !text(el)) continue;
      const s = getComputedStyle(el);
      const hides = (v) => v === "hidden" || v === "clip";
      if ((hides(s.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
          (hides(s.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
        cut.push(`${describe(el)} cuts off its text`);
      }
    }
    return cut;
  }

  function headings() {
    return [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => `${h.tagName}: ${text(h)}`);
  }

  return { structure, smallTargets, motion, focus, overflow, clipped, headings };
})()
