// The page check (tests/e2e/conftest.py): runs in every top-level HTML document an e2e test opens,
// inside the window's load event, and reports to the test through the binding __qiluPageCheck.
// It is injected after axe-core's source as a Playwright init script (not subject to the page's
// Content-Security-Policy), and runs synchronously: axe's few setTimeout(…, 0) yields are turned into
// microtasks for the run, so the whole check finishes before Playwright sees the load event and before
// the test can click or navigate on. What it measures:
//   axe-core with the WCAG 2.2 AA tags (target-size included): critical and serious violations;
//   sideways scrolling: document.scrollingElement.scrollWidth > innerWidth, at the page's own text size
//   and with the root font size at 200 % (restored within the same task, so nothing else sees it);
//   visible text shaped like an internal identifier, outside <code>/<kbd>/<samp> or [data-ident];
//   on a Chinese page, visible English words (four letters or more) outside an element marked lang="en".
(() => {
  "use strict";
  if (window.top !== window || !/^https?:$/.test(location.protocol)) return;

  const AXE_OPTIONS = {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    rules: {"target-size": {enabled: true}},
    resultTypes: ["violations"], iframes: false, elementRef: false, selectors: true,
    // No CSSOM preload: it copies the page's stylesheets into <style> elements, which the portal's
    // Content-Security-Policy rightly refuses (and it only serves css-orientation-lock)
    preload: false,
  };
  const IDENTIFIERS = [
    ["hex-id", /\b[0-9a-fA-F]{32,}\b/],
    ["snake_case-key", /(?<![\w.@\/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@\/-])/],
    ["item-code", /\b[A-Z]{2}-\d{3}\b/],
    // a GB/T 2260 region code: a province prefix and four digits, not part of a longer number or of a
    // masked ID number (370102********123X is how a number is shown masked)
    ["region-code", /(?<![\w*])(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])\d{4}(?![\w*])/],
    ["api-path", /\/(?:api\/v\d|api\/|_allauth\/)/],
    // a benefit period's key (2026-Q4): people read 2026年第四季度 / Q4 2026 (benefits.periods)
    ["period-key", /(?<![\w-])\d{4}-Q[1-4](?![\w-])/],
  ];
  const ALLOWED = "script,style,noscript,template,textarea,code,kbd,samp,[data-ident]";
  // In Chinese text (the nearest lang="zh…"), an English word of four letters or more is a stray: an untranslated string ("使用 passkey 登录"). Names stay as they are.
  const ENGLISH_WORD = /(?<![\w@.\/-])[A-Za-z]{4,}(?![\w@.\/-])/g;
  // names of things, keys and languages ("按住 Control 键或 Mac 上的 Command 键", the language choice "English")
  const NAMES = new Set(["Apple", "Google", "Android", "iPhone", "HarmonyOS", "JavaScript", "JPEG", "JSON", "XLSX", "HTTPS", "WLAN", "JsonLogic",
                         "Control", "Command", "English"]);

  function describe(element) {
    if (!element || element === document.body) return "body";
    const parts = [];
    for (let node = element; node && node !== document.body && parts.length < 4; node = node.parentElement) {
      let part = node.localName;
      if (node.id) { parts.unshift(part + "#" + node.id); break; }
      const testid = node.getAttribute("data-testid");
      if (testid) part += `[data-testid="${testid}"]`;
      else if (node.classList.length) part += "." + [...node.classList].slice(0, 2).join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  }

  function visible(element) {
    if (element.closest("select")) element = element.closest("select");
    if (element.checkVisibility) return element.checkVisibility({visibilityProperty: true, opacityProperty: true});
    return element.getClientRects().length > 0;
  }

  // English words on Chinese pages are checked on every page, the admin's included (allauth's models carry our
  // words: identity.third_party_names). Not ours to word: Django's permission names, stored in English when a
  // model is migrated, in the permission pickers of the group and user forms.
  const THIRD_PARTY_WORDS = "[id^='id_permissions'],[id^='id_user_permissions']";
  // The admin's column or row for an English field (name_en, question_en …) shows English data on a Chinese page by design.
  function inEnglishField(element) {
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      if ([...node.classList].some(name => /^(field|column)-\w+_en$/.test(name))) return true;
    }
    return false;
  }

  function identifiers() {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue;
      const element = node.parentElement;
      if (!text.trim() || !element || element.closest(ALLOWED) || !visible(element)) continue;
      for (const [rule, shape] of IDENTIFIERS) {
        const match = text.match(shape);
        if (match) found.push({rule, text: match[0], node: describe(element), context: text.trim().slice(0, 80)});
      }
      if (/^zh/i.test(element.closest("[lang]")?.lang || "") && !inEnglishField(element) && !element.closest(THIRD_PARTY_WORDS)) {
        const stray = (text.match(ENGLISH_WORD) || []).filter(word => !NAMES.has(word));
        if (stray.length) found.push({rule: "english-word-on-a-chinese-page", text: stray[0], node: describe(element), context: text.trim().slice(0, 80)});
      }
    }
    return found;
  }

  function overflowing() {  // the widest elements past the right edge: what to fix
    const width = window.innerWidth;
    return [...document.body.querySelectorAll("*")]
      .map(element => [element, element.getBoundingClientRect().right])
      .filter(([element, right]) => right > width + 1 && ![...element.children].some(child => child.getBoundingClientRect().right > width + 1))
      .slice(0, 4).map(([element, right]) => `${describe(element)} (${Math.round(right)} px)`)
      .concat([...document.body.querySelectorAll("*")]  // text wider than its box (a long unbroken word)
        .filter(element => element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0 && getComputedStyle(element).overflowX === "visible")
        .filter(element => ![...element.children].some(child => child.scrollWidth > child.clientWidth + 1 && child.clientWidth > 0))
        .slice(0, 2).map(element => `${describe(element)} (text ${element.scrollWidth} px in ${element.clientWidth} px)`));
  }

  function sideways() {
    const scroller = document.scrollingElement || document.documentElement;
    const root = document.documentElement;
    const result = {width: window.innerWidth, scrollWidth: scroller.scrollWidth};
    if (result.scrollWidth > result.width) result.culprits = overflowing();
    const before = root.style.getPropertyValue("font-size");
    const priority = root.style.getPropertyPriority("font-size");
    root.style.setProperty("font-size", "200%", "important");
    result.scrollWidth200 = scroller.scrollWidth;
    if (result.scrollWidth200 > result.width) result.culprits200 = overflowing();
    if (before) root.style.setProperty("font-size", before, priority); else root.style.removeProperty("font-size");
    return result;
  }

  const realSetTimeout = window.setTimeout;

  function runAxeNow() {  // axe.run, with its setTimeout yields as microtasks while it runs
    window.setTimeout = (callback, _delay, ...args) => { queueMicrotask(() => callback(...args)); return 0; };
    let promise;
    try { promise = window.axe.run(document, AXE_OPTIONS); } catch (error) { window.setTimeout = realSetTimeout; return Promise.reject(error); }
    return promise.finally(() => { window.setTimeout = realSetTimeout; });
  }

  function cacheKey(report) {  // a hash of the markup (without its per-render CSRF token), viewport and mode
    const markup = document.documentElement.outerHTML.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "");
    const text = [report.width, report.height, report.lang, report.elder, markup].join("|");
    let h1 = 0x811c9dc5, h2 = 0x2545f491;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193); h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    return "qilu-page-check:" + text.length + ":" + (h1 >>> 0).toString(36) + (h2 >>> 0).toString(36);
  }
  function readCache(key) { try { const v = localStorage.getItem(key); return v && JSON.parse(v); } catch (_error) { return null; } }
  function writeCache(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (_error) { /* full or not allowed: no cache */ } }

  function check() {
    if (document.contentType !== "text/html" || !document.body || !window.__qiluPageCheck) return;
    const started = performance.now();
    const report = {
      url: location.href, title: document.title, lang: document.documentElement.lang || "",
      elder: document.body.classList.contains("elder"), width: window.innerWidth, height: window.innerHeight,
    };
    try {
      report.sideways = sideways();
      report.identifiers = identifiers();
    } catch (error) { report.error = String(error); }
    const syncMs = performance.now() - started;
    let settled = false;
    const send = () => { report.axeSync = !settled; report.ms = Math.round(performance.now() - started); report.syncMs = Math.round(syncMs); window.__qiluPageCheck(report); };
    if (!window.axe) { report.axeError = "axe-core not loaded"; send(); return; }
    // The same document (same markup, viewport and mode) gets the same axe result: reuse it
    const key = cacheKey(report);
    const cached = key && readCache(key);
    if (cached) { report.axe = cached; report.axeCached = true; send(); return; }
    runAxeNow().then(result => {
      report.axe = result.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ")),
      }));
      if (key) writeCache(key, report.axe);
    }, error => { report.axeError = String(error); }).finally(send);
    realSetTimeout.call(window, () => { settled = true; }, 0);  // the next task: a report sent after it was not synchronous
  }

  window.addEventListener("load", check);
})();
