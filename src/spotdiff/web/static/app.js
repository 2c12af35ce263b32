// The page of spotdiff watch: live view, tuning, events and zones.
// Every string from the server goes into the page as text (textContent,
// attributes), never as HTML: camera and zone names are users' strings.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = {cameras: [], events: new Map(), draft: [], tuneKey: null, zoneKey: null,
               tuning: null, tuningDirty: 0};

function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4))
                                      : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function say(text) { document.getElementById("message").textContent = text; }

async function api(path, options = {}) {
  const init = Object.assign({headers: {}}, options);
  if (init.method && init.method !== "GET") init.headers["X-Requested-With"] = "spotdiff";
  if (init.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(init.body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

function camera(key) { return state.cameras.find(c => c.key === key); }
function pictureUrl(cam, name) {
  return `/api/cameras/${encodeURIComponent(cam.key)}/${name}?seq=${cam.seq}`;
}

// Swap an <img>'s picture only once the new one has loaded (no flicker).
function showPicture(img, url, seq) {
  if (img.dataset.wanted === String(seq)) return;
  img.dataset.wanted = String(seq);
  const next = new Image();
  next.onload = () => { img.src = next.src; img.dataset.seq = String(seq); };
  next.src = url;
}

// -- drawing regions and zones over a frame ---------------------------------------------
function drawOverlay(svg, cam, draft) {
  svg.setAttribute("viewBox", `0 0 ${cam.width} ${cam.height}`);
  svg.replaceChildren();
  const stroke = Math.max(1, Math.round(cam.width / 320));
  for (const zone of cam.tuning.zones) {
    const points = zone.points.map(p => p.join(",")).join(" ");
    svg.append(el("svg:polygon", {points, class: "zone", "stroke-width": stroke}));
    const [x, y] = zone.points[0];
    svg.append(el("svg:text", {x, y: y + 4 * stroke, class: "zone-label",
                               "font-size": 6 * stroke, text: zone.name}));
  }
  for (const mask of cam.masks) {
    svg.append(el("svg:polygon", {points: mask.map(p => p.join(",")).join(" "), class: "mask"}));
  }
  for (const r of cam.regions) {
    const [x0, y0, x1, y1] = r.bbox;
    svg.append(el("svg:rect", {x: x0, y: y0, width: x1 - x0, height: y1 - y0, class: "region",
                               "stroke-width": stroke}));
  }
  if (draft && draft.length) {
    svg.append(el("svg:polyline", {points: draft.map(p => p.join(",")).join(" "),
                                   class: "draft", "stroke-width": stroke}));
    for (const [x, y] of draft) svg.append(el("svg:circle", {cx: x, cy: y, r: 2 * stroke,
                                                             class: "draft-point"}));
  }
}

function statusLine(cam) {
  const parts = [`frame ${cam.frame}`, `${cam.time.toFixed(1)} s`];
  if (cam.age > 5) parts.unshift(`no frame for ${Math.round(cam.age)} s`);
  else parts.unshift("live");
  if (cam.decision) parts.push(cam.decision);
  if (cam.open_events.length) parts.push(`event ${cam.open_events.join(", ")} open`);
  else parts.push("no open event");
  return parts.join(" · ");
}

// -- live view ----------------------------------------------------------------------------
function renderLive() {
  const box = document.getElementById("cameras");
  document.querySelector("#live .empty").hidden = state.cameras.length > 0;
  for (const cam of state.cameras) {
    let card = box.querySelector(`[data-key="${CSS.escape(cam.key)}"]`);
    if (!card) {
      card = el("article", {class: "camera", "data-key": cam.key},
        el("h2", {class: "camera-name", text: cam.camera}),
        el("p", {class: "camera-status"}),
        el("div", {class: "stage"}, el("img", {class: "frame", alt: "live frame"}),
           el("svg:svg", {class: "overlay"})),
        el("ul", {class: "camera-events"}));
      box.append(card);
    }
    card.querySelector(".camera-status").textContent = statusLine(cam);
    card.classList.toggle("stale", cam.age > 5);
    if (cam.pictures) showPicture(card.querySelector("img.frame"), pictureUrl(cam, "frame.jpg"),
                                  cam.seq);
    drawOverlay(card.querySelector("svg.overlay"), cam);
    const list = card.querySelector(".camera-events");
    list.replaceChildren(...cam.camera_events.map(e => el("li", {
      text: `${new Date(e.wall * 1000).toLocaleTimeString()} ${e.kind}` +
            (e.detail ? ` (${e.detail})` : "")})));
  }
}

// -- camera selects -------------------------------------------------------------------------
function fillCameraSelects() {
  for (const select of document.querySelectorAll(".camera-select")) {
    const keys = [...select.options].map(o => o.value).join("\n");
    if (keys === state.cameras.map(c => c.key).join("\n")) continue;
    const value = select.value;
    select.replaceChildren(...state.cameras.map(c => el("option", {value: c.key,
                                                                   text: c.camera})));
    if (camera(value)) select.value = value;
  }
}

// -- tuning ---------------------------------------------------------------------------------
function renderTune() {
  const cam = camera(document.getElementById("tune-camera").value);
  if (!cam) return;
  if (state.tuneKey !== cam.key || Date.now() - state.tuningDirty > 3000) {
    // follow the watch's values unless the user moved a slider just now
    state.tuneKey = cam.key;
    const threshold = document.getElementById("threshold");
    threshold.disabled = cam.tuning.threshold === null;
    if (cam.tuning.threshold !== null) threshold.value = cam.tuning.threshold;
    document.getElementById("min-area").value = cam.tuning.min_area;
    showValues();
  }
  for (const name of ["frame", "background", "difference", "mask"]) {
    const ext = name === "mask" ? "png" : "jpg";
    if (cam.pictures) showPicture(document.getElementById(`tune-${name}`),
                                  pictureUrl(cam, `${name}.${ext}`), cam.seq);
  }
  drawOverlay(document.getElementById("tune-svg"), cam);
  document.getElementById("fraction").textContent =
    `${(100 * cam.fraction).toFixed(1)} % of the frame`;
  document.getElementById("fraction").dataset.fraction = cam.fraction;
  document.getElementById("tune-state").textContent = cam.tuning_error ||
    `${cam.threshold_option ? cam.threshold_option + " " + cam.tuning.threshold + ", "
                            : "no threshold slider for this model, "}` +
    `min area ${cam.tuning.min_area}`;
}

function showValues() {
  const threshold = document.getElementById("threshold");
  document.getElementById("threshold-value").textContent = threshold.disabled ? "–"
                                                                              : threshold.value;
  document.getElementById("min-area-value").textContent =
    document.getElementById("min-area").value;
}

function wantedTuning(cam, zones) {
  const threshold = document.getElementById("threshold");
  return {min_area: Number(document.getElementById("min-area").value),
          threshold: threshold.disabled ? null : Number(threshold.value),
          zones: zones || cam.tuning.zones};
}

let tuneTimer = null;
function tuneChanged() {
  state.tuningDirty = Date.now();
  showValues();
  clearTimeout(tuneTimer);
  tuneTimer = setTimeout(async () => {
    const cam = camera(document.getElementById("tune-camera").value);
    if (!cam) return;
    try {
      await api(`/api/cameras/${encodeURIComponent(cam.key)}/tuning`,
                {method: "POST", body: wantedTuning(cam)});
      say("applied to the running watch");
    } catch (e) { say(e.message); }
  }, 150);
}

async function saveTuning(cam, body) {
  try {
    await api(`/api/cameras/${encodeURIComponent(cam.key)}/save`, {method: "POST", body});
    say(`saved to ${cam.config_file}`);
    return true;
  } catch (e) {
    say(e.message);
    return false;
  }
}

// -- zones ----------------------------------------------------------------------------------
function renderZones() {
  const cam = camera(document.getElementById("zone-camera").value);
  if (!cam) return;
  if (state.zoneKey !== cam.key) { state.zoneKey = cam.key; state.draft = []; }
  if (cam.pictures) showPicture(document.getElementById("zone-frame"),
                                pictureUrl(cam, "frame.jpg"), cam.seq);
  drawOverlay(document.getElementById("zone-svg"), cam, state.draft);
  const list = document.getElementById("zone-list");
  const names = cam.tuning.zones.map(z => z.name);
  if (list.dataset.names !== JSON.stringify(names)) {
    list.dataset.names = JSON.stringify(names);
    list.replaceChildren(...cam.tuning.zones.map(zone => el("li", {},
      el("span", {class: "zone-name", text: zone.name}), " ",
      el("button", {text: "delete", onclick: () => {
        const zones = cam.tuning.zones.filter(z => z.name !== zone.name);
        saveZones(cam, zones);
      }}))));
  }
}

async function saveZones(cam, zones) {
  const body = {min_area: cam.tuning.min_area, threshold: cam.tuning.threshold, zones};
  if (cam.config_file) {
    if (!await saveTuning(cam, body)) return false;
  } else {
    try {
      await api(`/api/cameras/${encodeURIComponent(cam.key)}/tuning`, {method: "POST", body});
      say("applied to the running watch (started without --config: not saved to a file)");
    } catch (e) { say(e.message); return false; }
  }
  return true;
}

function zoneClick(event) {
  const cam = camera(document.getElementById("zone-camera").value);
  if (!cam) return;
  const box = document.getElementById("zone-frame").getBoundingClientRect();
  const x = Math.round((event.clientX - box.left) * cam.width / box.width);
  const y = Math.round((event.clientY - box.top) * cam.height / box.height);
  state.draft.push([Math.min(Math.max(x, 0), cam.width), Math.min(Math.max(y, 0), cam.height)]);
  drawOverlay(document.getElementById("zone-svg"), cam, state.draft);
}

// -- events ---------------------------------------------------------------------------------
function eventQuery() {
  const q = new URLSearchParams();
  const cam = document.getElementById("filter-camera").value;
  const zone = document.getElementById("filter-zone").value;
  const since = document.getElementById("filter-since").value;
  const until = document.getElementById("filter-until").value;
  if (cam) q.set("camera", cam);
  if (zone) q.set("zone", zone);
  if (since) q.set("since", new Date(since).getTime() / 1000);
  if (until) q.set("until", new Date(until).getTime() / 1000);
  return q.toString();
}

function fillFilter(select, values) {
  const have = [...select.options].slice(1).map(o => o.value);
  if (JSON.stringify(have) === JSON.stringify(values)) return;
  const value = select.value;
  select.replaceChildren(select.options[0], ...values.map(v => el("option", {value: v, text: v})));
  select.value = values.includes(value) ? value : "";
}

function eventCard(e) {
  const regions = e.regions.map(r => `[${r.bbox.join(", ")}] ${r.area} px`).join("; ");
  const when = new Date(e.created_at * 1000).toLocaleString();
  const info = el("div", {class: "info"},
    el("h3", {}, `Event ${e.id} · `, el("span", {class: "event-camera", text: e.camera})),
    el("p", {class: "event-when", text: `${when} · ${e.reason ? "ended: " + e.reason : "open"}` +
                                        ` · frames ${e.start_frame}–${e.end_frame ?? e.last_frame}`}),
    el("p", {class: "event-zones", text: e.zones.length ? `zones: ${e.zones.join(", ")}`
                                                        : "no zone"}),
    el("p", {class: "event-regions", text: `regions: ${regions || "none"} · peak ${e.peak_area} px`}),
    el("p", {class: "actions"},
      el("a", {href: `/api/events/${e.id}/export`, download: `event-${e.id}.zip`,
               class: "export", text: "Export"}), " ",
      el("button", {class: "delete", text: "Delete", onclick: async () => {
        if (!confirm(`Delete event ${e.id} and its files?`)) return;
        try { await api(`/api/events/${e.id}`, {method: "DELETE"}); refreshEvents(); }
        catch (err) { say(err.message); }
      }})));
  const media = el("div", {class: "media"});
  if (e.snapshot) media.append(el("img", {class: "snapshot", src: `/media/${e.snapshot}`,
                                          alt: `snapshot of event ${e.id}`}));
  if (e.clip) media.append(el("video", {class: "clip", src: `/media/${e.clip}`, controls: "",
                                        preload: "metadata", muted: ""}));
  return el("article", {class: "event", "data-id": e.id,
                        "data-sig": `${e.reason}|${e.clip}|${e.snapshot}|${e.regions.length}`},
            media, info);
}

async function refreshEvents() {
  let data;
  try { data = await api(`/api/events?${eventQuery()}`); } catch (e) { say(e.message); return; }
  fillFilter(document.getElementById("filter-camera"), data.cameras);
  fillFilter(document.getElementById("filter-zone"), data.zones);
  const list = document.getElementById("event-list");
  const keep = new Set(data.events.map(e => String(e.id)));
  for (const card of [...list.children]) if (!keep.has(card.dataset.id)) card.remove();
  let before = null;
  for (const e of [...data.events].reverse()) {  // oldest first, each placed above the last
    const sig = `${e.reason}|${e.clip}|${e.snapshot}|${e.regions.length}`;
    let card = list.querySelector(`[data-id="${e.id}"]`);
    if (card && card.dataset.sig !== sig) {
      const fresh = eventCard(e);
      card.replaceWith(fresh);
      card = fresh;
    } else if (!card) {
      card = eventCard(e);
    }
    list.insertBefore(card, before || list.firstChild);
    before = card;
  }
  document.getElementById("event-count").textContent = `${data.events.length} event(s)`;
}

// -- the loop -------------------------------------------------------------------------------
function view() { return (location.hash.slice(1) || "live").split("=")[0]; }

async function refreshCameras() {
  try { state.cameras = await api("/api/cameras"); } catch (e) { say(e.message); return; }
  fillCameraSelects();
  const v = view();
  if (v === "live") renderLive();
  else if (v === "tune") renderTune();
  else if (v === "zones") renderZones();
}

function show() {
  const v = view();
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== v;
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("current", a.dataset.view === v);
  }
  if (v === "events") refreshEvents(); else refreshCameras();
}

function start() {
  window.addEventListener("hashchange", show);
  for (const id of ["threshold", "min-area"]) {
    document.getElementById(id).addEventListener("input", tuneChanged);
  }
  document.getElementById("tune-camera").addEventListener("change", () => {
    state.tuneKey = null; renderTune(); });
  document.getElementById("zone-camera").addEventListener("change", renderZones);
  document.getElementById("tune-save").addEventListener("click", () => {
    const cam = camera(document.getElementById("tune-camera").value);
    if (cam) saveTuning(cam, wantedTuning(cam));
  });
  document.getElementById("zone-svg").addEventListener("click", zoneClick);
  document.getElementById("zone-clear").addEventListener("click", () => {
    state.draft = []; renderZones(); });
  document.getElementById("zone-save").addEventListener("click", async () => {
    const cam = camera(document.getElementById("zone-camera").value);
    const name = document.getElementById("zone-name").value.trim();
    if (!cam) return;
    if (!name) { say("give the zone a name"); return; }
    if (state.draft.length < 3) { say("click at least 3 points on the frame"); return; }
    const zones = cam.tuning.zones.filter(z => z.name !== name)
      .concat([{name, points: state.draft}]);
    if (await saveZones(cam, zones)) { state.draft = []; }
  });
  for (const id of ["filter-camera", "filter-zone", "filter-since", "filter-until"]) {
    document.getElementById(id).addEventListener("change", refreshEvents);
  }
  show();
  setInterval(() => { if (view() === "events") refreshEvents(); }, 1500);
  setInterval(() => { if (view() !== "events") refreshCameras(); }, 400);
}

start();
