// Renders the run embedded in #data. Every piece of run data reaches the page through
// text nodes (append/textContent), never through an HTML parser: outputs are untrusted.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("data").textContent);
  const PAGE = 500; // rows added per "show more": keeps a 5,000-case run responsive
  const MAX_DIFF_CELLS = 5e6; // LCS table size above which we show both texts without a diff
  const TOKEN = /\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;
  const STATUS = { passed: "✓ passed", failed: "✗ failed", errored: "⚠ errored" };
  const CHANGE = {
    improved: "▲ improved", regressed: "▼ regressed", unchanged: "= unchanged", new: "+ new", removed: "− removed",
  };
  const FILTERS = [
    ["all", "all statuses", () => true],
    ["passed", STATUS.passed, (c) => c.status === "passed"],
    ["failed", STATUS.failed, (c) => c.status === "failed"],
    ["regressed", CHANGE.regressed, (c) => c.change === "regressed"],
    ["improved", CHANGE.improved, (c) => c.change === "improved"],
    ["errored", STATUS.errored, (c) => c.status === "errored"],
    ["flaky", "~ flaky", (c) => c.flaky],
  ];
  const view = { prompt: "all", status: "all", text: "", sort: null, dir: 1, shown: PAGE, rows: [] };
  let opener = null;

  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }
  const $ = (id) => document.getElementById(id);
  const textOf = (v) => (v == null ? "" : typeof v === "string" ? v : v.text);
  // The data leaves out empty facts, so "missing" is undefined (or null): `== null` covers both.
  const num = (v, digits) => (v == null ? "—" : v.toFixed(digits));
  const ms = (v) => (v == null ? "—" : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`);
  const usd = (v) => (v == null ? "—" : v < 1 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`);
  const int = (v) => (v == null ? "—" : v.toLocaleString("en-US"));

  // ------------------------------------------------------------------ summary
  function renderSummary() {
    const state = $("run-state");
    state.textContent = data.state.symbol;
    state.classList.add(`s-${data.state.key}`);
    $("title").textContent = data.title;
    const t = data.totals;
    const totals = [
      ["Status", `${data.state.symbol} ${data.state.label}`, `s-${data.state.key}`],
      ["Passed", t.passed, "s-passed"], ["Failed", t.failed, "s-failed"],
      ["Errored", t.errored, "s-errored"], ["Regressed", t.regressions, "s-regressed"],
      ["Flaky", t.flaky, "s-flaky"], ["Mode", data.mode, ""],
    ];
    // A zero is no warning: it is drawn muted, never in the colour of what it counts.
    for (const [label, value, cls] of totals) {
      const shown = typeof value === "number" ? int(value) : value;
      $("totals").append(el("li", "", label, el("strong", value === 0 ? "zero" : cls, shown)));
    }
    const banners = data.banners.slice();
    if (data.cap) banners.push(`Long texts are cut to ${int(data.cap)} characters to keep this file small.`);
    for (const text of banners) $("banners").append(el("p", "banner", text));
    data.prompts.forEach(renderPromptRow);
    if (data.quiet) renderQuietToggle();
    if (data.legend) $("legend").textContent = data.legend;
    renderNotes();
    renderFooter();
  }

  function renderPromptRow(p, index) {
    const show = el("button", "link mono", p.path);
    show.type = "button";
    show.title = "Show this prompt's cases";
    show.addEventListener("click", () => {
      $("f-prompt").value = String(index);
      view.prompt = String(index);
      update();
      $("cases-title").scrollIntoView();
    });
    const words = p.words || [];
    const status = el("td", `state s-${p.state.key}`, `${p.state.symbol} ${p.state.label}`);
    if (words.length) status.append(el("span", "why", words.join("; ")));
    const row = el("tr", p.quiet ? "quiet" : "",
      el("td", "", show), el("td", "num", int(p.cases)), el("td", "num", p.pass_rate),
      el("td", "", p.change), status);
    row.hidden = Boolean(p.quiet);
    $("prompts").tBodies[0].append(row);
  }

  // The quiet prompts (passing, unchanged) sit behind one row, as in the comment.
  function renderQuietToggle() {
    const toggle = el("button", "link", `✓ ${data.quiet} — show them`);
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      for (const row of document.querySelectorAll("#prompts tr.quiet")) row.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = `✓ ${data.quiet} — ${open ? "hide" : "show"} them`;
    });
    const cell = el("td", "s-pass", toggle);
    cell.colSpan = 5;
    $("prompts").tBodies[0].append(el("tr", "quiet-toggle", cell));
  }

  function renderNotes() {
    const notes = data.notes.slice();
    for (const p of data.prompts) for (const n of p.notes || []) notes.push(`${p.path}: ${n}`);
    if (notes.length) $("notes").append(el("h3", "", "Notes"), el("ul", "", ...notes.map((i) => el("li", "", i))));
  }

  function renderFooter() {
    $("footer").append(data.footer.join(" · "));
    if (data.run_url) {
      const link = el("a", "", "CI run");
      link.href = data.run_url;
      link.rel = "noopener noreferrer";
      $("footer").append(" · ", link);
    }
  }

  // ------------------------------------------------------------------ case list
  function setupFilters() {
    const prompts = $("f-prompt");
    prompts.append(new Option(`all prompts (${int(data.cases.length)})`, "all"));
    data.prompts.forEach((p, i) => {
      const n = data.cases.filter((c) => c.prompt === i).length;
      prompts.append(new Option(`${p.path} (${int(n)})`, String(i)));
    });
    for (const [key, label, test] of FILTERS) {
      $("f-status").append(new Option(`${label} (${int(data.cases.filter(test).length)})`, key));
    }
    prompts.addEventListener("change", () => { view.prompt = prompts.value; update(); });
    $("f-status").addEventListener("change", () => { view.status = $("f-status").value; update(); });
    let timer = 0;
    $("f-text").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { view.text = $("f-text").value.trim().toLowerCase(); update(); }, 120);
    });
    for (const th of document.querySelectorAll("#cases th[data-sort]")) {
      th.querySelector("button").addEventListener("click", () => sortBy(th));
    }
    $("more").addEventListener("click", () => { view.shown += PAGE; renderRows(); });
  }

  function sortBy(th) {
    const key = th.dataset.sort;
    view.dir = view.sort === key ? -view.dir : -1; // first click: highest first
    view.sort = key;
    for (const other of document.querySelectorAll("#cases th[data-sort]")) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", view.dir > 0 ? "ascending" : "descending");
    update();
  }

  function haystack(c) {
    if (c.haystack === undefined) {
      const b = c.baseline;
      const parts = [data.prompts[c.prompt].path, c.id, textOf(c.output), textOf(c.vars), textOf(c.expected), textOf(c.error),
        ...(c.calls || []),
        ...c.scores.map((s) => `${s.name} ${textOf(s.reason)}`), b ? textOf(b.output) : ""];
      c.haystack = parts.join("\n").toLowerCase();
    }
    return c.haystack;
  }

  function update() {
    const test = FILTERS.find((f) => f[0] === view.status)[2];
    const rows = [];
    data.cases.forEach((c, i) => {
      if (view.prompt !== "all" && String(c.prompt) !== view.prompt) return;
      if (!test(c) || (view.text && !haystack(c).includes(view.text))) return;
      rows.push(i);
    });
    if (view.sort) {
      const key = view.sort, dir = view.dir;
      // Missing values sort last in either direction.
      rows.sort((a, b) => {
        const x = data.cases[a][key], y = data.cases[b][key];
        if (x == null) return y == null ? a - b : 1;
        if (y == null) return -1;
        return (x - y) * dir || a - b;
      });
    }
    view.rows = rows;
    view.shown = PAGE;
    renderRows();
  }

  function renderRows() {
    const body = $("cases").tBodies[0];
    const fragment = document.createDocumentFragment();
    for (const i of view.rows.slice(0, view.shown)) fragment.append(caseRow(i));
    body.replaceChildren(fragment);
    const total = view.rows.length, shown = Math.min(total, view.shown);
    $("count").textContent = `${int(total)} of ${int(data.cases.length)} cases` +
      (shown < total ? ` (first ${int(shown)} shown)` : "");
    $("more").hidden = shown >= total;
    $("more").textContent = `Show ${int(Math.min(PAGE, total - shown))} more`;
  }

  function caseRow(i) {
    const c = data.cases[i];
    const row = el("tr", "",
      el("td", `state s-${c.status}`, STATUS[c.status], c.flaky ? el("span", "s-flaky", " ~ flaky") : null),
      el("td", "mono", data.prompts[c.prompt].path), el("td", "case-id mono", c.id),
      el("td", c.change ? `state s-${c.change}` : "", c.change ? CHANGE[c.change] : "—"),
      el("td", "num", num(c.score, 2)), el("td", "num", ms(c.latency_ms)), el("td", "num", usd(c.cost_usd)),
      el("td", "preview", c.status === "errored" ? textOf(c.error)
        : (textOf(c.output) || (c.calls || []).join(" · ")).slice(0, 200)));
    row.tabIndex = 0;
    row.dataset.index = String(i);
    return row;
  }

  function onRowKey(event) {
    const row = event.target.closest("tr[data-index]");
    if (!row) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openCase(row);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (next) next.focus();
    }
  }

  // ------------------------------------------------------------------ case view
  function openCase(row) {
    const c = data.cases[Number(row.dataset.index)];
    opener = row;
    $("case-title").textContent = c.id;
    $("case-body").replaceChildren(...caseView(c));
    $("case").showModal();
    $("case").scrollTop = 0;
    $("close").focus();
  }

  function closeCase() {
    if ($("case").open) $("case").close();
  }

  function caseView(c) {
    const parts = [el("p", "mono muted", data.prompts[c.prompt].path), badges(c)];
    if (c.error) parts.push(el("h3", "", "Error"), textBlock(c.error));
    parts.push(el("h3", "", "Scores"), scoresTable(c));
    if (c.vars) parts.push(el("h3", "", "Input variables"), textBlock(c.vars));
    if (c.expected != null) parts.push(el("h3", "", "Expected"), textBlock(c.expected));
    const b = c.baseline;
    if (c.calls || (b && b.calls)) parts.push(el("h3", "", "Tool calls"), sideBySide(c.calls, b && b.calls, !!b, "No tool calls."));
    if (c.steps || (b && b.steps)) parts.push(el("h3", "", "Trace"), sideBySide(c.steps, b && b.steps, !!b, "No trace."));
    const toolsOnly = c.output === "" && c.calls;
    parts.push(el("h3", "", "Output"), c.output == null ? el("p", "muted", "No output.")
      : toolsOnly ? el("p", "muted", "No text: the answer is its tool calls.") : textBlock(c.output));
    if (c.baseline) parts.push(...baselineView(c));
    parts.push(el("h3", "", "Run facts"), factsTable(c));
    return parts;
  }

  // What the agent did, one numbered line per call or step, the baseline's beside the head's.
  function sideBySide(now, was, hasBaseline, none) {
    const list = (items) => (items && items.length
      ? el("ol", "steps mono", ...items.map((t) => el("li", "", t))) : el("p", "muted", none));
    if (!hasBaseline) return list(now);
    return el("div", "side", el("div", "", el("h4", "", "Head"), list(now)),
      el("div", "", el("h4", "", "Baseline"), list(was)));
  }

  function badges(c) {
    const list = [el("span", `badge s-${c.status}`, STATUS[c.status])];
    if (c.change) list.push(el("span", `badge s-${c.change}`, `${CHANGE[c.change]} vs. base`));
    if (c.flaky) list.push(el("span", "badge s-flaky", `~ flaky: ${c.passes}/${c.repeats} repeats passed`));
    else if (c.repeats > 1) list.push(el("span", "badge plain", `${c.passes}/${c.repeats} repeats passed`));
    if (c.cached) list.push(el("span", "badge plain", "cached response"));
    return el("div", "badges", ...list);
  }

  function textBlock(value) {
    const box = el("div", "", el("pre", "", textOf(value)));
    if (value && typeof value === "object") {
      box.append(el("p", "trim-note",
        `✂ Cut: showing ${int(value.text.length)} of ${int(value.of)} characters (results.json has it all).`));
    }
    return box;
  }

  function scoresTable(c) {
    if (!c.scores.length) return el("p", "muted", "No scores.");
    const base = new Map((c.baseline ? c.baseline.scores : []).map((s) => [s.name, s]));
    const head = el("tr", "", ...["Scorer", "Result", "Score", ...(c.baseline ? ["Baseline"] : []), "Reason"]
      .map((h) => el("th", h === "Score" || h === "Baseline" ? "num" : "", h)));
    const rows = c.scores.map((s) => {
      const result = s.errored ? ["⚠ could not run", "s-errored"] : s.passed ? ["✓ pass", "s-passed"] : ["✗ fail", "s-failed"];
      const was = base.get(s.name);
      return el("tr", "", el("td", "mono", s.name), el("td", `state ${result[1]}`, result[0]),
        el("td", "num", num(s.score, 2)), c.baseline ? el("td", "num", was ? num(was.score, 2) : "—") : null,
        el("td", "reason", textOf(s.reason) || "no reason given"));
    });
    return el("div", "scroll", el("table", "", el("thead", "", head), el("tbody", "", ...rows)));
  }

  function baselineView(c) {
    const b = c.baseline;
    const parts = [el("h3", "", "Baseline (base revision)"), el("p", `state s-${b.status}`, STATUS[b.status])];
    if (b.error) parts.push(textBlock(b.error));
    if (b.output == null) return parts.concat(el("p", "muted", "No baseline output."));
    const before = textOf(b.output), after = textOf(c.output);
    if (before === after) return parts.concat(el("p", "muted", "Same output as the baseline."));
    parts.push(el("h3", "", "Word diff: baseline → head"));
    const diff = c.output == null ? null : diffWords(before, after);
    if (diff) {
      parts.push(el("p", "legend diff", "Legend: ", el("del", "", "only in baseline"), " ", el("ins", "", "only in head")),
        el("pre", "diff", ...diff.map(([op, text]) => (op === "=" ? text : el(op === "-" ? "del" : "ins", "", text)))));
    } else {
      parts.push(el("p", "muted", "Too long to diff word by word; both outputs are shown below."));
    }
    parts.push(el("details", "", el("summary", "", "Baseline output as is"), textBlock(b.output)));
    return parts;
  }

  function factsTable(c) {
    const b = c.baseline;
    const rows = [
      ["Latency", ms(c.latency_ms), b && ms(b.latency_ms)],
      ["Tokens", int(c.tokens), b && int(b.tokens)],
      ["Cost", usd(c.cost_usd), b && usd(b.cost_usd)],
      ["Cached", c.cached ? "yes" : "no", b && (b.cached ? "yes" : "no")],
    ];
    const head = el("tr", "", el("th", "", ""), el("th", "num", "Head"), b ? el("th", "num", "Baseline") : null);
    return el("table", "", el("thead", "", head), el("tbody", "", ...rows.map(([label, now, was]) =>
      el("tr", "", el("th", "", label), el("td", "num", now), b ? el("td", "num", was) : null))));
  }

  // ------------------------------------------------------------------ word diff
  // Longest common subsequence over tokens (words, runs of space, single punctuation marks), after trimming the common
  // prefix and suffix (most edits are local). Returns [op, text] runs, op in "=", "-", "+".
  function diffWords(before, after) {
    const x = before.match(TOKEN) || [], y = after.match(TOKEN) || [];
    let pre = 0;
    while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
    let suf = 0;
    while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
    const a = x.slice(pre, x.length - suf), b = y.slice(pre, y.length - suf);
    const n = a.length, m = b.length, w = m + 1;
    if (n * m > MAX_DIFF_CELLS) return null;
    const t = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
      }
    }
    const runs = [];
    const push = (op, text) => {
      const last = runs[runs.length - 1];
      if (last && last[0] === op) last[1] += text;
      else if (text) runs.push([op, text]);
    };
    push("=", x.slice(0, pre).join(""));
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { push("=", a[i]); i++; j++; }
      else if (j >= m || (i < n && t[(i + 1) * w + j] >= t[i * w + j + 1])) { push("-", a[i]); i++; }
      else { push("+", b[j]); j++; }
    }
    push("=", x.slice(x.length - suf).join(""));
    return runs;
  }

  // ------------------------------------------------------------------ wiring
  renderSummary();
  setupFilters();
  update();
  const body = $("cases").tBodies[0];
  body.addEventListener("keydown", onRowKey);
  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-index]");
    if (row) openCase(row);
  });
  $("close").addEventListener("click", closeCase);
  $("case").addEventListener("close", () => { if (opener && opener.isConnected) opener.focus(); });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeCase(); });
  window.__evalReport = { diffWords }; // for tests and curious readers
})();
