// placement-opt app: the lever form, the run list (polled), a run's result and the comparison.
// Plain JavaScript, no libraries; every text from the server is set with textContent, and the
// only markup inserted is the SVG charts and maps the server escaped.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { facts: null, sites: [], selected: null, shown: null, runs: [], compareKey: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function options(select, items, chosen) {
  select.replaceChildren(...items.map(([value, label]) => {
    const o = el("option", { value, text: label });
    if (value === chosen) o.selected = true;
    return o;
  }));
}

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error || `HTTP ${response.status}`);
    error.details = body.details || [];
    throw error;
  }
  return body;
}

function message(node, text, details = [], tone = "bad") {
  node.hidden = !text;
  node.className = `message ${tone}`;
  node.replaceChildren(el("p", { text }), ...(details.length ? [el("ul", {},
    ...details.map((d) => el("li", { text: d })))] : []));
}

// ---- the lever form ------------------------------------------------------------------------

async function loadInstance() {
  const name = $("instance").value;
  const facts = await api(`/api/instance?name=${encodeURIComponent(name)}`);
  state.facts = facts;
  state.sites = [];
  $("instance-description").textContent = facts.description;
  $("growth").replaceChildren(...facts.needs.map((need) => el("label", { class: "mini" }, need,
    el("input", { type: "number", step: "any", id: `growth-${need}`, "data-need": need,
                  placeholder: "0" }))));
  $("cost-factors").replaceChildren(...facts.kinds.map((kind) => el("label", { class: "mini" }, kind,
    el("input", { type: "number", step: "any", id: `cost-${kind}`, "data-kind": kind,
                  placeholder: "0" }))));
  const p = facts.policy;
  $("transport").placeholder = p.transport_cost_per_km;
  $("local-share").placeholder = (100 * p.min_local_share).toString();
  $("independent-cap").placeholder = p.max_independent_share == null ? "no cap"
    : (100 * p.max_independent_share).toString();
  $("revenue-factor").placeholder = "100";
  $("capital-total").placeholder = p.capital_budget_total == null ? "no limit" : p.capital_budget_total;
  for (const id of ["transport", "local-share", "independent-cap", "revenue-factor", "capital-total"]) {
    $(id).value = "";
  }
  const existing = facts.provisions.filter((x) => !x.candidate)
    .map((x) => [x.provision, `${x.name} (${x.provision}, ${x.kind})`]);
  options($("close-provision"), existing);
  options($("places-provision"), existing);
  const years = facts.years.map((y) => [String(y), String(y)]);
  for (const id of ["close-year", "places-year", "site-year"]) options($(id), years);
  const zones = [...facts.zones].sort((a, b) => a.label.localeCompare(b.label));
  options($("site-zone"), zones.map((z) => [z.zone, z.label === z.district ? z.label
    : `${z.label} (${z.district})`]));
  options($("site-kind"), facts.kinds.filter((k) => k !== "independent").map((k) => [k, k]), "srp");
  const checks = (id, items, on) => $(id).replaceChildren(...items.map((v) => el("label", {},
    Object.assign(el("input", { type: "checkbox", value: v }), { checked: on.includes(v) }), v)));
  checks("site-phases", facts.phases, facts.phases.slice(0, 1));
  checks("site-needs", facts.needs, facts.needs.slice(0, 1));
  renderSites();
}

function numberOf(id, scale = 1) {
  const raw = $(id).value.trim();
  return raw === "" ? null : Number(raw) * scale;
}

function renderSites() {
  $("site-changes").replaceChildren(...state.sites.map((change, i) => el("li", {},
    change.label, Object.assign(el("button", { type: "button", class: "small link",
                                               "aria-label": `Remove: ${change.label}`, text: "remove" }),
      { onclick: () => { state.sites.splice(i, 1); renderSites(); } }))));
}

function addClose() {
  const provision = $("close-provision").value;
  const year = Number($("close-year").value);
  state.sites.push({ kind: "close", row: { provision, from_year: year },
                     label: `Close ${provision} from ${year}` });
  renderSites();
}

function addPlaces() {
  const provision = $("places-provision").value;
  const places = Number($("places-number").value);
  const year = Number($("places-year").value);
  state.sites.push({ kind: "add_places", row: { provision, places, from_year: year },
                     label: `${places >= 0 ? "+" : ""}${places} places at ${provision} from ${year}` });
  renderSites();
}

function addSite() {
  const picked = (id) => [...$(id).querySelectorAll("input:checked")].map((x) => x.value);
  const name = $("site-name").value.trim() || "New site";
  const id = `NEW-${state.sites.filter((s) => s.kind === "new_site").length + 1}`;
  const row = { provision: id, name, kind: $("site-kind").value, zone: $("site-zone").value,
                phases: picked("site-phases"), needs: picked("site-needs"),
                capacity: Number($("site-capacity").value), cost_per_place: Number($("site-cost").value),
                candidate: $("site-candidate").checked, earliest_year: Number($("site-year").value) };
  if (!row.phases.length || !row.needs.length) {
    message($("form-message"), "A new site needs at least one phase and one need.");
    return;
  }
  message($("form-message"), "");
  const opening = Number($("site-opening").value);
  if (row.candidate && opening > 0) row.opening_cost = opening;
  if (!row.candidate) delete row.earliest_year;
  state.sites.push({ kind: "new_site", row, label: `New ${row.candidate ? "candidate " : ""}`
    + `${row.kind} “${name}” in ${row.zone}, ${row.capacity} places` });
  renderSites();
}

function collectLevers() {
  const byKey = (selector, attr, scale, offset = 0) => Object.fromEntries(
    [...document.querySelectorAll(selector)].filter((x) => x.value.trim() !== "")
      .map((x) => [x.dataset[attr], offset + Number(x.value) * scale]));
  return {
    instance: $("instance").value, name: $("run-name").value.trim() || "run",
    growth_by_need: byKey("#growth input", "need", 0.01),
    cost_factor_by_kind: byKey("#cost-factors input", "kind", 0.01, 1),
    transport_cost_per_km: numberOf("transport"),
    min_local_share: numberOf("local-share", 0.01),
    max_independent_share: numberOf("independent-cap", 0.01),
    revenue_factor: numberOf("revenue-factor", 0.01),
    capital_total: numberOf("capital-total"),
    close: state.sites.filter((s) => s.kind === "close").map((s) => s.row),
    add_places: state.sites.filter((s) => s.kind === "add_places").map((s) => s.row),
    new_sites: state.sites.filter((s) => s.kind === "new_site").map((s) => s.row),
    time_limit: numberOf("time-limit") || 120,
  };
}

async function submitRun(event) {
  event.preventDefault();
  message($("form-message"), "");
  $("run-button").disabled = true;
  try {
    const run = await api("/api/runs", { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(collectLevers()) });
    state.selected = run.id;
    state.shown = null;
    message($("form-message"), `Started ${run.name}: it runs in the background.`, [], "good");
    $("runs-title").scrollIntoView({ behavior: "smooth" });
    await refreshRuns();
  } catch (error) {
    message($("form-message"), error.message, error.details);
  } finally {
    $("run-button").disabled = false;
  }
}

// ---- the run list --------------------------------------------------------------------------

function statusCell(run) {
  const cell = el("td", { class: `status ${run.status}` });
  if (run.status === "running") {
    const p = run.progress;
    const since = p.since ? ` ${Math.max(0, Math.round(Date.now() / 1000 - p.since))} s` : "";
    cell.append(el("span", { text: `${p.label}…${since} (step ${p.step} of ${p.steps})` }),
      el("progress", { max: String(p.steps), value: String(Math.max(p.step - 0.5, 0)) }));
  } else if (run.status === "done") {
    const r = run.result || {};
    cell.append(el("span", { text: r.solved ? `done: ${r.status}` : `no plan: ${r.status}` }));
  } else if (run.status === "failed") {
    cell.append(el("span", { text: "failed" }), el("div", { class: "error-text", text: run.error || "" }));
  } else {
    cell.append(el("span", { text: run.status }));
  }
  return cell;
}

function renderRuns(runs) {
  $("runs").hidden = runs.length === 0;
  $("no-runs").hidden = runs.length > 0;
  $("runs").tBodies[0].replaceChildren(...runs.map((run) => {
    const actions = el("td", { class: "row-actions" });
    if (run.status === "running") {
      actions.append(Object.assign(el("button", { type: "button", class: "small cancel", text: "Cancel" }),
        { onclick: () => cancelRun(run.id) }));
    } else if (run.status === "done") {
      actions.append(Object.assign(el("button", { type: "button", class: "small view", text: "Show" }),
        { onclick: () => { state.selected = run.id; state.shown = null; refreshRuns(); } }));
    }
    const row = el("tr", { "data-run": run.id, "data-status": run.status,
                           class: run.id === state.selected ? "selected" : "" },
      el("td", { text: run.name }), el("td", { text: run.instance }),
      el("td", { class: "levers-cell", text: run.levers.join("; ") }), statusCell(run),
      el("td", { text: `${run.elapsed} s` }), actions);
    return row;
  }));
  const done = runs.filter((r) => r.status === "done" && r.result && r.result.solved);
  $("compare-button").disabled = done.length < 2;
  const key = done.map((r) => r.id).join(",");
  if (key === state.compareKey) return;  // rebuilt only when the finished runs change
  state.compareKey = key;
  // The newest finished run against the one before it (the list is newest first).
  for (const [id, pick] of [["compare-a", 1], ["compare-b", 0]]) {
    options($(id), done.map((r) => [r.id, `${r.id} · ${r.levers.join("; ")}`]),
      (done[pick] || done[0] || {}).id);
  }
}

async function refreshRuns() {
  const runs = await api("/api/runs");
  state.runs = runs;
  renderRuns(runs);
  // The chosen run once it is done; until then the run shown stays (or the newest done one).
  const chosen = runs.find((r) => r.id === state.selected);
  const target = chosen && chosen.status === "done" ? chosen
    : state.shown ? null : runs.find((r) => r.status === "done");
  if (target && state.shown !== target.id) {
    if (!chosen) state.selected = target.id;
    await showRun(target.id);
  }
}

async function cancelRun(id) {
  try {
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
  } catch (error) {
    message($("form-message"), error.message);
  }
  await refreshRuns();
}

// ---- one run's result ----------------------------------------------------------------------

function table(head, rows, cls = "") {
  return el("table", { class: `table ${cls}` }, el("thead", {}, el("tr", {},
    ...head.map((h) => el("th", { text: h })))), el("tbody", {}, ...rows.map((r) => el("tr", {},
    ...r.map((c) => c instanceof Node ? c : el("td", { text: String(c) }))))));
}

function svgBox(markup) {
  const box = el("div", { class: "svg" });
  box.innerHTML = markup;  // SVG made and escaped by the server
  return box;
}

async function showRun(id) {
  const run = await api(`/api/runs/${id}`);
  state.shown = id;
  const view = run.view || {};
  $("run-view").hidden = false;
  $("run-view").dataset.run = id;
  $("view-heading").textContent = `${run.name} (${run.id}) · ${run.instance} · ${view.status}`
    + (view.seconds != null ? ` · solved in ${view.seconds} s` : "");
  $("view-levers").replaceChildren(...run.levers.map((t) => el("li", { text: t })));
  $("download-workbook").href = `/api/runs/${id}/workbook`;
  $("download-report").href = `/api/runs/${id}/report?download=1`;
  $("open-report").href = `/api/runs/${id}/report`;
  message($("view-message"), view.solved ? "" : `No plan: ${view.status}. ${view.message || ""}`);
  $("kpis").replaceChildren(...(view.kpis || []).map((k) => el("div", { class: "kpi", "data-key": k.key },
    el("div", { class: "label", text: k.label }), el("div", { class: "value", text: k.text }))));
  const years = (view.years || []).map(String);
  options($("map-year"), years.map((y) => [y, y]), years[0]);
  $("map").replaceChildren(view.maps && years.length ? svgBox(view.maps[years[0]]) : "");
  $("map-year").onchange = () => $("map").replaceChildren(svgBox(view.maps[$("map-year").value]));
  $("supply").replaceChildren(...(view.supply || []).map((f) => el("figure", {}, svgBox(f.svg),
    el("figcaption", { text: f.caption }))));
  const fmt = (v) => Number(v).toLocaleString("en-GB", { maximumFractionDigits: 1 });
  $("districts").replaceChildren(...(view.districts || []).length ? [table(
    ["District", "Year", "Demand", "Local places", "Placed locally", "Placed elsewhere",
     "Independent", "Unmet", "Places − demand", "Met locally"],
    view.districts.map((d) => [d.district, d.year, fmt(d.demand), fmt(d.places_local),
      fmt(d.placed_locally), fmt(d.placed_elsewhere), fmt(d.placed_independent), fmt(d.unmet),
      el("td", { class: d.surplus_deficit < -0.5 ? "short" : "", text: fmt(d.surplus_deficit) }),
      `${(100 * d.share_met_locally).toFixed(1)}%`]), "num")] : []);
  renderPlan(view.plan || {}, view.years || []);
  $("warnings").replaceChildren(...(view.warnings || []).length ? [el("h3", { text: "Warnings" }),
    el("ul", {}, ...view.warnings.map((w) => el("li", { text: w })))] : []);
}

function renderPlan(plan, years) {
  const parts = [];
  if ((plan.openings || []).length) {
    parts.push(el("h4", { text: "Sites opened" }), table(["Site", "Kind", "District", "Opens", "Places",
      "Capital"], plan.openings.map((o) => [`${o.name} (${o.provision})`, o.kind, o.district, o.year,
      o.places, o.capital])));
  }
  if ((plan.expansions || []).length) {
    parts.push(el("h4", { text: "Expansions" }), table(["Site", "District", "In use from", "Places added",
      "Capital"], plan.expansions.map((e) => [`${e.name} (${e.provision})`, e.district, e.year,
      e.places, e.capital])));
  }
  if (!parts.length) parts.push(el("p", { class: "hint", text: "No sites opened or expanded in this plan." }));
  parts.push(el("h4", { text: "Pupils placed at each provision (placed / places; full in bold)" }),
    el("div", { class: "scroll" }, table(["Provision", "Kind", "District", ...years.map(String)],
      (plan.sites || []).map((s) => [`${s.name} (${s.provision})`, s.kind, s.district,
        ...s.years.map((y) => el("td", { class: y.full ? "full" : "", text: `${y.placed} / ${y.capacity}` }))]),
      "num")));
  $("plan").replaceChildren(...parts);
}

// ---- comparison ----------------------------------------------------------------------------

async function compareRuns() {
  const a = $("compare-a").value;
  const b = $("compare-b").value;
  try {
    const c = await api(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    const [ra, rb] = c.runs;
    const head = ["", `${ra.name} (${ra.id})`, `${rb.name} (${rb.id})`, "Difference"];
    const levers = el("tr", {}, el("th", { text: "Changes" }), el("td", { text: ra.levers.join("; ") }),
      el("td", { text: rb.levers.join("; ") }), el("td", { text: "" }));
    const kpis = table(head, c.kpis.map((k) => [el("th", { text: k.label }), k.a, k.b,
      el("td", { class: k.tone, text: k.difference })]), "num compare");
    kpis.id = "compare-table";
    kpis.tBodies[0].prepend(levers);
    const parts = [kpis];
    if (c.districts.rows.length) {
      parts.push(el("h4", { text: `Local places minus demand by district, ${c.districts.year}` }),
        table(["District", ra.id, rb.id, "Difference"], c.districts.rows.map((d) => [d.district, d.a,
          d.b, d.difference]), "num"));
    }
    $("compare").replaceChildren(...parts);
  } catch (error) {
    $("compare").replaceChildren(el("p", { class: "message bad", text: error.message }));
  }
}

// ---- start ---------------------------------------------------------------------------------

function start() {
  $("instance").onchange = loadInstance;
  $("levers-form").onsubmit = submitRun;
  $("reset-button").onclick = loadInstance;
  $("add-close").onclick = addClose;
  $("add-places").onclick = addPlaces;
  $("add-site").onclick = addSite;
  $("compare-button").onclick = compareRuns;
  loadInstance().catch((e) => message($("form-message"), e.message, e.details));
  refreshRuns();
  setInterval(() => refreshRuns().catch(() => {}), 1000);
}

start();
