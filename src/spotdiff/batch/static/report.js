/* spotdiff batch report: a static page over report-data.js (no server, no build).
   Every name and message from the data goes into the page as text
   (textContent / setAttribute), never as HTML. */
"use strict";
(function () {
  const DATA = window.SPOTDIFF_REPORT;
  const STATES = ["error", "changed", "new", "deleted", "unchanged"];
  const APPROVABLE = ["changed", "new"];
  const PAGE_SIZE = 100;
  const MODES = [
    ["side", "side by side"], ["slider", "slider"], ["onion", "onion skin"],
    ["blink", "blink"], ["heatmap", "heat map"], ["mask", "mask"],
  ];
  const $ = (id) => document.getElementById(id);
  const items = DATA.items;
  const byName = new Map(items.map((it, i) => [it.name, i]));

  // ---- state kept in the URL's hash: states, q, page, item, mode ----
  const state = { states: new Set(), q: "", page: 0, item: null, mode: "side", cursor: 0 };
  const approved = new Set();
  const storeKey = "spotdiff-approvals:" + DATA.created + ":" + location.pathname;

  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    state.states = new Set((h.get("states") || "").split(",").filter((s) => STATES.includes(s)));
    state.q = h.get("q") || "";
    state.page = Math.max(0, parseInt(h.get("page") || "0", 10) || 0);
    const name = h.get("item");
    state.item = name !== null && byName.has(name) ? byName.get(name) : null;
    const mode = h.get("mode");
    state.mode = MODES.some((m) => m[0] === mode) ? mode : "side";
  }
  function writeHash() {
    const h = new URLSearchParams();
    if (state.states.size) h.set("states", [...state.states].join(","));
    if (state.q) h.set("q", state.q);
    if (state.page) h.set("page", String(state.page));
    if (state.item !== null) { h.set("item", items[state.item].name); h.set("mode", state.mode); }
    history.replaceState(null, "", "#" + h.toString());
  }

  // ---- filtering and the list ----
  let shown = [];
  function filter() {
    const q = state.q.toLowerCase();
    shown = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (state.states.size && !state.states.has(it.status)) continue;
      if (q && it.name.toLowerCase().indexOf(q) < 0) continue;
      shown.push(i);
    }
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function pages() { return Math.max(1, Math.ceil(shown.length / PAGE_SIZE)); }

  function renderTotals() {
    const t = DATA.totals;
    $("totals").textContent = t.done + " of " + t.items + " items: " + t.changed + " changed, " +
      t.new + " new, " + t.deleted + " deleted, " + t.unchanged + " unchanged, " + t.error + " error(s)";
    $("incomplete").hidden = DATA.complete;
    const box = $("filters");
    box.textContent = "";
    const all = el("button", { type: "button", class: "filter", "data-state": "", "aria-pressed": String(!state.states.size) }, "all (" + items.length + ")");
    box.appendChild(all);
    for (const s of STATES) {
      const b = el("button", { type: "button", class: "filter", "data-state": s, "aria-pressed": String(state.states.has(s)) }, s + " (" + t[s] + ")");
      box.appendChild(b);
    }
  }
  function renderList() {
    filter();
    state.page = Math.min(state.page, pages() - 1);
    const ol = $("items");
    ol.textContent = "";
    const start = state.page * PAGE_SIZE;
    const slice = shown.slice(start, start + PAGE_SIZE);
    const frag = document.createDocumentFragment();
    slice.forEach((index, k) => {
      const it = items[index];
      const li = el("li", { class: "item", tabindex: "-1", "data-index": String(index), "data-status": it.status });
      if (it.files.thumb) {
        li.appendChild(el("img", { src: it.files.thumb, loading: "lazy", alt: "", decoding: "async" }));
      } else {
        li.appendChild(el("div", { class: "thumb-missing" }, it.status === "error" ? "error" : it.identical ? "identical files" : "no picture"));
      }
      const head = el("div");
      if (APPROVABLE.includes(it.status)) {
        const cb = el("input", { type: "checkbox", class: "approve", title: "approve (x)", "aria-label": "approve" });
        cb.checked = approved.has(it.name);
        head.appendChild(cb);
      }
      head.appendChild(el("span", { class: "chip " + it.status }, it.status));
      li.appendChild(head);
      li.appendChild(el("span", { class: "name" }, it.name));
      li.appendChild(el("span", { class: "line" }, it.error || it.line || ""));
      if (start + k === state.cursor) li.classList.add("current");
      frag.appendChild(li);
    });
    ol.appendChild(frag);
    $("empty").hidden = shown.length > 0;
    $("page-info").textContent = "page " + (state.page + 1) + " of " + pages() + " (" + shown.length + " items)";
    $("prev-page").disabled = state.page === 0;
    $("next-page").disabled = state.page >= pages() - 1;
    for (const b of document.querySelectorAll(".filter")) {
      const s = b.getAttribute("data-state");
      b.setAttribute("aria-pressed", String(s ? state.states.has(s) : !state.states.size));
    }
  }
  function moveCursor(delta) {
    if (!shown.length) return;
    state.cursor = Math.max(0, Math.min(shown.length - 1, state.cursor + delta));
    const page = Math.floor(state.cursor / PAGE_SIZE);
    if (page !== state.page) { state.page = page; writeHash(); }
    renderList();
    const cur = document.querySelector(".item.current");
    if (cur) { cur.focus({ preventScroll: true }); cur.scrollIntoView({ block: "nearest" }); }
  }

  // ---- approvals ----
  function saveApprovals() {
    try { localStorage.setItem(storeKey, JSON.stringify([...approved])); } catch (e) { /* file:// may refuse */ }
    $("selected-count").textContent = approved.size + " approved";
    const json = approvalsJson();
    $("approvals-json").value = json;
    let dir = decodeURIComponent(location.pathname.replace(/\/[^/]*$/, "")) || ".";
    if (location.protocol !== "file:") dir = "OUT";
    $("command").textContent = "spotdiff approve '" + dir.replace(/'/g, "'\\''") + "' --from approvals.json";
  }
  function approvalsJson() {
    return JSON.stringify({ schema: "spotdiff.approvals/1", report_created: DATA.created,
      items: items.filter((it) => approved.has(it.name)).map((it) => it.name) }, null, 1);
  }
  function setApproved(index, on) {
    const it = items[index];
    if (!APPROVABLE.includes(it.status)) return;
    if (on) approved.add(it.name); else approved.delete(it.name);
    saveApprovals();
  }
  function exportApprovals() {
    const blob = new Blob([approvalsJson() + "\n"], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: "approvals.json" });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    $("apply").open = true;
  }

  // ---- viewer: modes, synchronised zoom and pan, regions ----
  const view = { scale: 1, tx: 0, ty: 0, region: -1, split: 50, opacity: 50, blink: null, w: 0, h: 0 };
  function canvases() { return document.querySelectorAll("#stage .canvas"); }
  function applyTransform() {
    for (const c of canvases()) {
      c.style.transform = "translate(" + view.tx + "px," + view.ty + "px) scale(" + view.scale + ")";
      c.style.setProperty("--line", (2 / view.scale) + "px");  // the region's outline stays 2 px
    }
  }
  function paneSize() {
    const p = document.querySelector("#stage .pane");
    return p ? [p.clientWidth, p.clientHeight] : [1, 1];
  }
  function fit() {
    const [pw, ph] = paneSize();
    view.scale = Math.min(pw / view.w, ph / view.h) || 1;
    view.tx = (pw - view.w * view.scale) / 2;
    view.ty = (ph - view.h * view.scale) / 2;
    applyTransform();
  }
  function zoomAt(factor, cx, cy) {
    const s = Math.max(0.02, Math.min(64, view.scale * factor));
    view.tx = cx - (cx - view.tx) * (s / view.scale);
    view.ty = cy - (cy - view.ty) * (s / view.scale);
    view.scale = s;
    applyTransform();
  }
  function pane(label) {
    const p = el("div", { class: "pane" });
    if (label) p.appendChild(el("span", { class: "label" }, label));
    const c = el("div", { class: "canvas" });
    p.appendChild(c);
    return [p, c];
  }
  function img(src, cls) {
    const i = el("img", { src: src, alt: "", draggable: "false" });
    if (cls) i.className = cls;
    return i;
  }
  function regionBox(canvas) {
    const b = el("div", { class: "region-box", hidden: "" });
    canvas.appendChild(b);
  }
  function stopBlink() { if (view.blink) { clearInterval(view.blink); view.blink = null; } }

  function buildStage() {
    stopBlink();
    const it = items[state.item];
    const f = it.files;
    const stage = $("stage");
    stage.textContent = "";
    stage.setAttribute("data-mode", state.mode);
    $("slider-label").hidden = state.mode !== "slider";
    $("onion-label").hidden = state.mode !== "onion";
    const single = !(f.before && f.after);
    if (single || (state.mode === "heatmap" || state.mode === "mask") && !f[state.mode]) {
      const src = f.after || f.before;
      if (!src) { stage.appendChild(el("p", { class: "message" }, it.error || "no picture")); return; }
      const [p, c] = pane(f.after ? "current (" + it.status + ")" : "baseline (" + it.status + ")");
      c.appendChild(img(src)); regionBox(c); stage.appendChild(p);
      if (!single) p.appendChild(el("span", { class: "label", style: "top:28px" }, "no " + state.mode + " for an unchanged item"));
    } else if (state.mode === "side") {
      for (const [key, label] of [["before", "baseline"], ["after", "current"]]) {
        const [p, c] = pane(label); c.appendChild(img(f[key])); regionBox(c); stage.appendChild(p);
      }
    } else if (state.mode === "slider" || state.mode === "onion" || state.mode === "blink") {
      const [p, c] = pane(state.mode === "blink" ? "baseline" : "baseline | current");
      c.appendChild(img(f.before, "layer before"));
      const top = img(f.after, "layer after");
      c.appendChild(top);
      c.style.width = view.w + "px"; c.style.height = view.h + "px";
      regionBox(c);
      stage.appendChild(p);
      if (state.mode === "slider") {
        const h = el("div", { class: "handle", id: "handle" });
        p.appendChild(h);
        setSplit(view.split);
        h.addEventListener("pointerdown", (e) => {
          e.preventDefault(); e.stopPropagation();
          h.setPointerCapture(e.pointerId);
          const move = (ev) => {
            const r = p.getBoundingClientRect();
            const x = (ev.clientX - r.left - view.tx) / view.scale;
            setSplit(100 * x / view.w);
          };
          h.addEventListener("pointermove", move);
          h.addEventListener("pointerup", () => h.removeEventListener("pointermove", move), { once: true });
        });
      } else if (state.mode === "onion") {
        top.style.opacity = String(view.opacity / 100);
      } else {
        let on = false;
        const label = p.querySelector(".label");
        const flip = () => { on = !on; top.style.visibility = on ? "visible" : "hidden"; label.textContent = on ? "current" : "baseline"; stage.setAttribute("data-blink", on ? "after" : "before"); };
        flip(); flip();
        view.blink = setInterval(flip, 600);
      }
    } else {
      const [p, c] = pane(state.mode === "heatmap" ? "heat map" : "mask");
      const map = img(f[state.mode]);  // may be smaller than the images: stretched over them
      map.style.width = view.w + "px"; map.style.height = view.h + "px";
      c.appendChild(map); regionBox(c); stage.appendChild(p);
    }
    wirePanZoom();
    applyTransform();
    showRegion();
  }
  function setSplit(percent) {
    view.split = Math.max(0, Math.min(100, percent));
    $("slider").value = String(Math.round(view.split));
    const top = document.querySelector("#stage .layer.after");
    if (top) top.style.clipPath = "inset(0 0 0 " + view.split + "%)";
    const h = $("handle");
    if (h) h.style.left = (view.tx + view.w * view.scale * view.split / 100) + "px";
  }
  function wirePanZoom() {
    for (const p of document.querySelectorAll("#stage .pane")) {
      p.addEventListener("wheel", (e) => {
        e.preventDefault();
        const r = p.getBoundingClientRect();
        zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
        if (state.mode === "slider") setSplit(view.split);
      }, { passive: false });
      p.addEventListener("pointerdown", (e) => {
        if (e.button !== 0) return;
        p.setPointerCapture(e.pointerId);
        let x = e.clientX, y = e.clientY;
        const move = (ev) => {
          view.tx += ev.clientX - x; view.ty += ev.clientY - y; x = ev.clientX; y = ev.clientY;
          applyTransform();
          if (state.mode === "slider") setSplit(view.split);
        };
        p.addEventListener("pointermove", move);
        p.addEventListener("pointerup", () => p.removeEventListener("pointermove", move), { once: true });
      });
    }
  }
  function showRegion() {
    const it = items[state.item];
    const n = it.regions.length;
    $("region-info").textContent = n ? (view.region >= 0 ? "region " + (view.region + 1) + " of " + n : n + " region(s)") : "no regions";
    for (const b of document.querySelectorAll("#stage .region-box")) {
      if (view.region < 0) { b.hidden = true; continue; }
      const [x0, y0, x1, y1] = it.regions[view.region];
      b.hidden = false;
      Object.assign(b.style, { left: x0 + "px", top: y0 + "px", width: (x1 - x0) + "px", height: (y1 - y0) + "px" });
    }
  }
  function jumpRegion(delta) {
    const it = items[state.item];
    const n = it.regions.length;
    if (!n) return;
    view.region = view.region < 0 ? (delta > 0 ? 0 : n - 1) : (view.region + delta + n) % n;
    const [x0, y0, x1, y1] = it.regions[view.region];
    const [pw, ph] = paneSize();
    const bw = Math.max(x1 - x0, 8), bh = Math.max(y1 - y0, 8);
    view.scale = Math.max(Math.min(pw / (bw * 3), ph / (bh * 3), 16), Math.min(pw / view.w, ph / view.h));
    view.tx = pw / 2 - (x0 + x1) / 2 * view.scale;
    view.ty = ph / 2 - (y0 + y1) / 2 * view.scale;
    applyTransform();
    if (state.mode === "slider") setSplit(view.split);
    showRegion();
  }
  function openItem(index) {
    state.item = index;
    const pos = shown.indexOf(index);
    if (pos >= 0) state.cursor = pos;
    const it = items[index];
    view.w = it.width || 1; view.h = it.height || 1; view.region = -1;
    $("list-view").hidden = true;
    $("viewer").hidden = false;
    $("item-name").textContent = it.name;
    const chip = $("item-status"); chip.textContent = it.status; chip.className = "chip " + it.status;
    $("item-line").textContent = it.line || "";
    $("item-global").textContent = it.global ? (typeof it.global === "string" ? it.global : JSON.stringify(it.global)) : "";
    $("item-error").textContent = it.error || "";
    $("approve-one").hidden = !APPROVABLE.includes(it.status);
    $("approve-item").checked = approved.has(it.name);
    for (const b of document.querySelectorAll(".mode")) b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === state.mode));
    writeHash();
    buildStage();
    const first = document.querySelector("#stage img");
    const size = () => { if (!it.width && first && first.naturalWidth) { view.w = first.naturalWidth; view.h = first.naturalHeight; } fit(); if (state.mode === "slider") setSplit(view.split); };
    if (first && !first.complete) first.addEventListener("load", size, { once: true }); else size();
  }
  function closeViewer() {
    stopBlink();
    state.item = null;
    $("viewer").hidden = true;
    $("list-view").hidden = false;
    writeHash();
    renderList();
  }
  function stepItem(delta) {
    if (!shown.length) return;
    const pos = shown.indexOf(state.item);
    const next = shown[Math.max(0, Math.min(shown.length - 1, (pos < 0 ? 0 : pos + delta)))];
    state.page = Math.floor(shown.indexOf(next) / PAGE_SIZE);
    openItem(next);
  }
  function setMode(mode) {
    state.mode = mode;
    for (const b of document.querySelectorAll(".mode")) b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === mode));
    writeHash();
    buildStage();
  }

  // ---- wiring ----
  function init() {
    readHash();
    try { for (const n of JSON.parse(localStorage.getItem(storeKey) || "[]")) if (byName.has(n)) approved.add(n); } catch (e) { /* none kept */ }
    renderTotals();
    MODES.forEach(([m, label], i) => $("modes").appendChild(el("button", { type: "button", class: "mode", "data-mode": m, title: label + " (" + (i + 1) + ")" }, label)));
    $("search").value = state.q;
    saveApprovals();
    renderList();
    if (state.item !== null) openItem(state.item);

    $("filters").addEventListener("click", (e) => {
      const b = e.target.closest(".filter"); if (!b) return;
      const s = b.getAttribute("data-state");
      if (!s) state.states.clear(); else if (state.states.has(s)) state.states.delete(s); else state.states.add(s);
      state.page = 0; state.cursor = 0; writeHash(); renderList();
    });
    $("search").addEventListener("input", () => { state.q = $("search").value; state.page = 0; state.cursor = 0; writeHash(); renderList(); });
    $("prev-page").addEventListener("click", () => { state.page--; state.cursor = state.page * PAGE_SIZE; writeHash(); renderList(); });
    $("next-page").addEventListener("click", () => { state.page++; state.cursor = state.page * PAGE_SIZE; writeHash(); renderList(); });
    $("items").addEventListener("click", (e) => {
      const li = e.target.closest(".item"); if (!li) return;
      const index = parseInt(li.getAttribute("data-index"), 10);
      if (e.target.classList.contains("approve")) { setApproved(index, e.target.checked); return; }
      openItem(index);
    });
    $("select-visible").addEventListener("click", () => { for (const i of shown) setApproved(i, true); renderList(); });
    $("clear-selection").addEventListener("click", () => { approved.clear(); saveApprovals(); renderList(); });
    $("export").addEventListener("click", exportApprovals);
    $("close").addEventListener("click", closeViewer);
    $("prev-item").addEventListener("click", () => stepItem(-1));
    $("next-item").addEventListener("click", () => stepItem(1));
    $("modes").addEventListener("click", (e) => { const b = e.target.closest(".mode"); if (b) setMode(b.getAttribute("data-mode")); });
    $("prev-region").addEventListener("click", () => jumpRegion(-1));
    $("next-region").addEventListener("click", () => jumpRegion(1));
    const center = () => { const [pw, ph] = paneSize(); return [pw / 2, ph / 2]; };
    $("zoom-in").addEventListener("click", () => zoomAt(1.25, ...center()));
    $("zoom-out").addEventListener("click", () => zoomAt(0.8, ...center()));
    $("zoom-fit").addEventListener("click", fit);
    $("approve-item").addEventListener("change", (e) => setApproved(state.item, e.target.checked));
    $("slider").addEventListener("input", (e) => setSplit(parseFloat(e.target.value)));
    $("onion").addEventListener("input", (e) => {
      view.opacity = parseFloat(e.target.value);
      const top = document.querySelector("#stage .layer.after"); if (top) top.style.opacity = String(view.opacity / 100);
    });
    window.addEventListener("resize", () => { if (state.item !== null) fit(); });
    document.addEventListener("keydown", (e) => {
      if (e.target.tagName === "INPUT" && e.target.type !== "checkbox" && e.target.type !== "range") {
        if (e.key === "Escape") e.target.blur();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const inViewer = state.item !== null;
      const k = e.key;
      if (!inViewer) {
        if (k === "j" || k === "ArrowDown") moveCursor(1);
        else if (k === "k" || k === "ArrowUp") moveCursor(-1);
        else if (k === "Enter" && shown.length) openItem(shown[state.cursor]);
        else if (k === "x" && shown.length) { const i = shown[state.cursor]; setApproved(i, !approved.has(items[i].name)); renderList(); }
        else if (k === "/") { $("search").focus(); }
        else return;
      } else {
        if (k === "Escape") closeViewer();
        else if (k === "ArrowRight") stepItem(1);
        else if (k === "ArrowLeft") stepItem(-1);
        else if (k >= "1" && k <= String(MODES.length)) setMode(MODES[parseInt(k, 10) - 1][0]);
        else if (k === "n") jumpRegion(1);
        else if (k === "p") jumpRegion(-1);
        else if (k === "+" || k === "=") zoomAt(1.25, ...center());
        else if (k === "-") zoomAt(0.8, ...center());
        else if (k === "0") fit();
        else if (k === "x") { const i = state.item; setApproved(i, !approved.has(items[i].name)); $("approve-item").checked = approved.has(items[i].name); }
        else return;
      }
      e.preventDefault();
    });
  }
  init();
})();
