// Latent canvas: a Streamlit components-v2 frontend (no build step), in parts:
//   data.js   wire format, page-wide blob store, the MLP decoder
//   plot.js   plotly.js loading, the figure, pixel <-> latent geometry (one adapter over plotly internals)
//   draw.js   the decoded image / bars and the thumbnail
//   input.js  mouse gestures and the latent sliders
//   server.js the server fallback for decoders the browser cannot run
//   grid.js   the beta grid's files (every grid model's decoder and layout); beta.js its controls and glide
// Hover, drag and slider moves decode in the browser at display rate; a click or a slider release sends z
// to Python, which decodes with torch and shows the authoritative image.
// This file is the component's entry: it wires the parts together and holds the test hooks, hence its length.
import { STORE, f32, getBlob, putBlob, unpack, escapeHtml } from "./data.js";
import { loadPlotly, buildFigure, legendFor, PlotGeometry, gaussianTraces } from "./plot.js";
import { GridMode } from "./beta.js";
import { OutputView } from "./draw.js";
import { PointerInput, LatentSliders } from "./input.js";
import { ServerHover } from "./server.js";
import { Lesson } from "./lesson.js";

const MAX_TIMINGS = 4000;
const MAX_CLICK_TIMES = 64;

function fmtCount(n) { return n >= 1e5 ? (n / 1e6).toFixed(2) + " M" : n >= 1e3 ? (n / 1e3).toFixed(1) + " k" : String(n); }

const TEMPLATE = `
  <div class="lc-betabox" style="display:none"></div>
  <div class="lc-main">
    <div class="lc-left"><div class="lc-plotwrap"><div class="lc-plot"></div>
      <div class="lc-overlay"><div class="lc-mark lc-hovermark"></div><div class="lc-mark lc-pinmark"></div>
        <canvas class="lc-thumb"></canvas></div>
      <div class="lc-loading">Loading plot…</div></div>
      <div class="lc-walk" style="display:none"></div><div class="lc-mix" style="display:none"></div></div>
    <div class="lc-side">
      <div class="lc-head"><span class="lc-badge">browser</span> live decode</div>
      <div class="lc-imgbox"><canvas class="lc-img"></canvas><canvas class="lc-bars"></canvas></div>
      <div class="lc-readout"></div>
      <div class="lc-note"></div>
      <div class="lc-metrics"></div>
    </div>
  </div>
  <div class="lc-sliders"></div>
  <div class="lc-status"></div>`;

class Canvas {
  constructor(root, key, parent) {
    this.key = key;
    this.root = root;
    this.parent = parent;
    root.classList.add("lc-root");
    root.innerHTML = TEMPLATE;
    const q = (s) => root.querySelector(s);
    this.plotEl = q(".lc-plot");
    this.hoverMark = q(".lc-hovermark");
    this.pinMark = q(".lc-pinmark");
    this.readout = q(".lc-readout");
    this.note = q(".lc-note");
    this.badge = q(".lc-badge");
    this.status = q(".lc-status");
    this.loading = q(".lc-loading");
    this.output = new OutputView(q(".lc-img"), q(".lc-bars"), q(".lc-thumb"));
    this.sliders = new LatentSliders(q(".lc-sliders"), (i, v) => this.slide(i, v), () => this.send("slider"));
    this.pointer = new PointerInput(this.plotEl, {
      fromClient: (cx, cy) => (this.geometry && this.pinned ? this.geometry.fromClient(cx, cy) : null),
      hover: (zz, mouse) => this.hover(zz, mouse),
      leave: () => this.leave(),
      click: (zz, t) => this.click(zz, t),
      resetZoom: () => this.Plotly.relayout(this.plotEl, { "xaxis.autorange": true, "yaxis.autorange": true }),
    });
    this.server = new ServerHover((req) => this.api.setTriggerValue("hover", req));
    this.gridMode = new GridMode(this, q(".lc-betabox"), q(".lc-metrics"));
    this.lesson = new Lesson(this, q(".lc-walk"), q(".lc-mix"), q(".lc-overlay"));
    this.grid = null;             // the beta grid blob when the canvas shows one (else points + model blobs)
    this.overlay = null;          // the overlay blob of the latest render
    this.points = null;           // the points blob of the latest render (no grid)
    this.figIndex = null;         // trace numbers of the figure on screen (plot.js buildFigure)
    this.pendingFigKey = null;
    this.api = null;              // the component API of the latest render (setTriggerValue)
    this.light = null;            // the latest render's small data (settings and hashes)
    this.model = null;            // the decoder blob: {supported, reason, mlp, ...}
    this.Plotly = null;
    this.geometry = null;         // PlotGeometry, once plotly.js is loaded
    this.seq = STORE.seq[key] || 0; // events sent, kept across re-mounts of the same canvas
    this.hoverZ = null;           // full latent vector under the mouse, or null
    this.mouse = null;            // client coordinates of the mouse while hovering
    this.pinned = null;           // full latent vector shown when not hovering (z_base, a click, the sliders)
    this.timings = [];            // hover/slider decode+draw durations, ms (bounded)
    this.clickTimes = new Map();  // seq -> event time of the click (the newest MAX_CLICK_TIMES)
    this.needAsked = new Map();   // hash -> times this page asked Python to resend it
    this.plotReady = false;
    this.renderMs = null;
    this.loadMs = null;
    this.readyAt = null;
    this.lastRenderAt = null;
    this.nPoints = 0;
    this.renderToken = 0;
    this.figKey = null;
    this.outKey = null;
    this.epoch = null;            // the page's view number this canvas has adopted (see update)
    this.sliderKey = null;
    this.colorbar = false;
    this.narrow = false;
    this.legendNarrow = null;
    this.afterplotBound = false;
    this.redraws = 0;
    this.raf = 0;
    this.pendingKind = null;
    this.mountedAt = performance.now();
    this.ro = new ResizeObserver((entries) => this.resize(entries[0].contentRect.width));
    this.ro.observe(root);
    installTestHooks(this);
  }

  destroy() {
    this.ro.disconnect();
    this.pointer.destroy();
    this.server.destroy();
    this.gridMode.destroy();
    this.lesson.destroy();
    if (this.Plotly) try { this.Plotly.purge(this.plotEl); } catch (e) { /* already gone */ }
    removeTestHooks(this);
  }

  // The live image sits beside the plot, sized to the space there is; below it only when very narrow.
  resize(width) {
    if (!width) return;
    const sideW = Math.max(150, Math.min(250, Math.round(width * 0.27)));
    if (sideW !== this.output.sideW) {
      this.root.style.setProperty("--lc-side", sideW + "px");
      this.output.size(sideW);
    }
    this.narrow = width - sideW < 560;
    this.syncLegend();
  }
  syncLegend() {
    const narrow = this.narrow || this.colorbar;
    if (!this.plotReady || this.legendNarrow === narrow) return;
    this.legendNarrow = narrow;
    this.Plotly.relayout(this.plotEl, { legend: legendFor(narrow) });
  }

  // ------------------------------------------------------------------ updates from Python
  update(data, api) {
    this.api = api;
    this.light = data;
    // Store any payloads that came with this render, then resolve every referenced hash.
    for (const [h, p] of Object.entries(data.payloads || {})) if (!STORE.blobs.has(h)) putBlob(h, unpack(p.kind, p));
    const missing = [];
    const get = (h) => { if (!h) return null; const v = getBlob(h); if (v === undefined) missing.push(h); return v; };
    const model = get(data.blobs.model), pts = get(data.blobs.points), ov = get(data.blobs.overlay);
    const grid = get(data.blobs.grid);
    if (missing.length) {
      // The page was reloaded into an old session, or the store evicted it: ask Python to resend.
      const fresh = missing.filter((h) => (this.needAsked.get(h) || 0) < 3);
      fresh.forEach((h) => this.needAsked.set(h, (this.needAsked.get(h) || 0) + 1));
      if (fresh.length) api.setTriggerValue("need", { hashes: fresh, t: Date.now() });
      this.status.textContent = "Waiting for data…";
      return;
    }
    this.status.textContent = "";
    this.grid = grid;
    this.overlay = ov;
    this.points = pts;
    const outDim = grid ? grid.decoder.out_dim : model.out_dim;
    const outKey = (grid ? grid.hash : data.blobs.model) + JSON.stringify(data.image_shape) + data.cmap;
    if (this.outKey !== outKey) { this.outKey = outKey; this.output.setup(data, outDim); }
    // The page's view (its pin, and a grid's slider and switch) is adopted only when it is new: data.epoch
    // counts the changes the page made itself (ui/view.py). A render that carries a view the person has
    // moved past since (a click, a slider) leaves the canvas as it is.
    const adopt = data.epoch !== this.epoch || !this.pinned || this.pinned.length !== data.latent_dim;
    if (adopt) { this.epoch = data.epoch; this.pinned = Float64Array.from(data.z_base); }
    const sliderKey = JSON.stringify([data.latent_dim, data.dims, data.dim_names, data.slider_range]);
    if (adopt || sliderKey !== this.sliderKey) { this.sliderKey = sliderKey; this.sliders.build(data, this.pinned); }
    if (adopt && this.plotReady) this.placeMarks();
    const figKey = [grid ? grid.hash : data.blobs.points, data.blobs.overlay, data.prior, data.height, data.axis_titles.join("|"),
      data.dims.join(","), data.ellipse_n, data.density, data.holes, data.view_limit].join("/");
    if (grid) {
      this.pendingFigKey = figKey;
      if (adopt && this.model) this.schedule("pinned");
      this.gridMode.update(grid, data.grid, adopt).then(() => {
        if (this.figKey !== this.pendingFigKey && this.gridMode.cur) { this.figKey = this.pendingFigKey; this.redrawPlot(); }
      });
      return;
    }
    if (this.gridMode.grid) this.gridMode.leave();
    this.model = model;
    if (data.server_hover && !model.mlp) this.showServerHover(data.server_hover);
    if (figKey !== this.figKey) { this.figKey = figKey; this.renderPlot(this.squared(pts, data), ov, data); }
    this.updateNote();
    this.schedule("pinned");
  }

  // Grid mode: the decoder of the stop now on screen (the hover preview switches at once).
  setDecoder(stop) {
    this.model = { supported: true, mlp: stop.mlp, out_dim: stop.mlp.outDim, reason: null };
    this.lesson.walkBox.style.display = "";
    this.lesson.show(stop);
    this.updateNote();
    this.schedule(this.hoverZ ? "hover" : "pinned");
  }
  // Grid mode: the first stop arrived; draw the plot.
  gridReady() {
    this.figKey = this.pendingFigKey;
    this.redrawPlot();
  }
  redrawPlot() {
    if (!this.grid) { this.renderPlot(this.squared(this.points, this.light), this.overlay, this.light); return; }
    this.lesson.syncLight();
    const { pts, ov } = this.gridMode.figureInputs(this.overlay);
    this.gridMode.drawnLim = this.gridMode.cur.lim; // the new figure's view square
    this.renderPlot(pts, ov, this.light);
  }
  // A single model's points in Python's visible square (light.view_limit), or as plotly fits them without one.
  squared(pts, L) {
    const l = L.view_limit;
    return l == null ? pts : { ...pts, range: [-l, l, -l, l] };
  }
  restyleGaussians(row) {
    const ix = this.figIndex, gs = gaussianTraces(this.overlay.gaussians, row);
    if (gs.length !== ix.gaussians.length) return;
    this.Plotly.restyle(this.plotEl, { x: gs.map((t) => t.x), y: gs.map((t) => t.y) }, ix.gaussians);
  }

  updateNote() {
    const m = this.model, L = this.light;
    if (!m) return;
    let s;
    if (m.mlp && L.standalone) s = `Hover to decode in this browser (${fmtCount(m.mlp.macs)} multiply-adds per ${L.image_shape ? "image" : "point"}). `
      + "Click, or release a slider, to pin a z: this page has no server, so what you see is this browser's decode.";
    else if (m.mlp) s = `Hover to decode in the browser (${fmtCount(m.mlp.macs)} multiply-adds per ${L.image_shape ? "image" : "point"}). `
      + `Click, or release a slider, to decode with torch on <b>${escapeHtml(L.device_label)}</b>.`;
    else s = `<b>This decoder cannot run in the browser</b> (${escapeHtml(m.reason || "unsupported")}); hover decodes `
      + `on the server (${escapeHtml(L.device_label)}), throttled to about ${Math.round(1000 / L.hover_interval_ms)} per second.`;
    if (this.note.innerHTML !== s) this.note.innerHTML = s;
    const b = m.mlp ? "browser" : "server";
    if (this.badge.textContent !== b) { this.badge.textContent = b; this.badge.classList.toggle("lc-server", b === "server"); }
  }

  async renderPlot(pts, ov, L) {
    const token = ++this.renderToken;
    const t0 = performance.now();
    let Plotly;
    try { Plotly = await loadPlotly(L.plotly_url); } catch (e) { this.loading.textContent = String(e.message || e); return; }
    if (token !== this.renderToken) return;
    this.Plotly = Plotly;
    this.geometry = this.geometry || new PlotGeometry(this.plotEl, Plotly);
    this.colorbar = !!(pts.color && !pts.labels);
    const fig = buildFigure(pts, ov, L, this.narrow, this.gridMode.shown || 0);
    this.figIndex = fig.index;
    this.legendNarrow = this.narrow || this.colorbar;
    const t1 = performance.now();
    await Plotly.react(this.plotEl, fig.traces, fig.layout, fig.config);
    if (token !== this.renderToken) return;
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    this.renderMs = performance.now() - t1;
    this.loadMs = t1 - t0;
    performance.measure("lc:render", { start: t1, end: t1 + this.renderMs });
    this.loading.style.display = "none";
    if (!this.plotReady) this.readyAt = performance.now();
    this.lastRenderAt = performance.now();
    this.nPoints = pts.n;
    this.plotReady = true;
    if (!this.afterplotBound) {
      this.afterplotBound = true;
      this.plotEl.on("plotly_relayout", () => this.placeMarks());
      this.plotEl.on("plotly_afterplot", () => { this.redraws += 1; this.placeMarks(); });
    }
    this.syncLegend();
    this.placeMarks();
    this.status.textContent = `${pts.n.toLocaleString()} points (all drawn, WebGL) · plot ${this.renderMs.toFixed(0)} ms`;
  }

  // ------------------------------------------------------------------ marks on the plot
  placeMark(el, z) {
    const d = this.light.dims, p = z && this.geometry ? this.geometry.toLocal(z[d[0]], z[d[1]]) : null;
    if (!p || !p.inside) { el.style.display = "none"; return; }
    el.style.display = "block";
    el.style.transform = `translate(${p.px}px, ${p.py}px)`;
  }
  placeMarks() {
    this.placeMark(this.pinMark, this.pinned);
    if (this.hoverZ) this.placeMark(this.hoverMark, this.hoverZ);
    this.lesson.placePath();
  }

  // ------------------------------------------------------------------ gestures
  withPlotted(zz) {
    const z = Float64Array.from(this.pinned), d = this.light.dims;
    z[d[0]] = zz[0]; z[d[1]] = zz[1];
    return z;
  }
  hover(zz, mouse) {
    this.hoverZ = this.withPlotted(zz);
    this.mouse = mouse;
    this.schedule("hover");
  }
  leave() {
    if (!this.hoverZ) return;
    this.hoverZ = null;
    this.mouse = null;
    this.hoverMark.style.display = "none";
    this.output.hideThumb();
    this.schedule("pinned");
  }
  click(zz, t) {
    this.pin(this.withPlotted(zz));
    this.send("click", t);
  }
  slide(i, v) {
    const z = Float64Array.from(this.pinned);
    z[i] = v;
    this.pinned = z;
    this.placeMark(this.pinMark, z);
    this.schedule("slider");
  }
  pin(z) {
    this.pinned = z;
    this.sliders.sync(z);
    this.placeMark(this.pinMark, z);
    this.schedule(this.hoverZ ? "hover" : "pinned");
  }
  send(source, t) {
    this.seq += 1;
    STORE.seq[this.key] = this.seq;
    const seq = this.seq;
    this.clickTimes.set(seq, t === undefined ? performance.now() : t);
    while (this.clickTimes.size > MAX_CLICK_TIMES) this.clickTimes.delete(this.clickTimes.keys().next().value);
    performance.mark("lc:send:" + seq);
    const ev = { z: Array.from(this.pinned), source, seq, epoch: this.epoch };
    // With a grid the click also tells which model the person was looking at (the slider may not have
    // rested yet): the page decodes with it.
    if (this.grid) Object.assign(ev, { index: this.gridMode.index, kl_on: this.gridMode.klOn });
    this.api.setTriggerValue("event", ev);
    if (this.light.standalone) this.status.textContent = `pinned (${source}): decoded in this browser`;
  }

  // ------------------------------------------------------------------ decode + draw (once per frame)
  schedule(kind) {
    this.pendingKind = kind === "pinned" && this.pendingKind ? this.pendingKind : kind;
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => { this.raf = 0; const k = this.pendingKind; this.pendingKind = null; this.frame(k); });
  }
  frame(kind) {
    if (!this.model || !this.pinned) return;
    const z = this.hoverZ || this.pinned;
    if (!this.model.mlp) { this.server.request(z, this.light.hover_interval_ms); this.placeMarks(); return; }
    const t0 = performance.now();
    const x = this.model.mlp.decode(z, this.output.out);
    this.show(x);
    const t1 = performance.now();
    if (kind === "hover" || kind === "slider") {
      performance.measure("lc:" + kind, { start: t0, end: t1 });
      this.timings.push(t1 - t0);
      if (this.timings.length > MAX_TIMINGS) this.timings.splice(0, MAX_TIMINGS / 2);
    }
    this.readout.textContent = `${this.hoverZ ? "hover" : "pinned"} z = (${Array.from(z.slice(0, 4)).map((v) => v.toFixed(2)).join(", ")}${z.length > 4 ? ", …" : ""}) · ${(t1 - t0).toFixed(2)} ms`;
  }
  show(x) {
    this.output.draw(x, this.hoverZ ? this.mouse : null, this.plotEl.getBoundingClientRect());
    if (this.hoverZ) this.placeMark(this.hoverMark, this.hoverZ);
  }
  showServerHover(h) {
    if (!this.server.accept(h)) return;
    this.show(f32(h.x));
    this.readout.textContent = `server z = (${h.z.slice(0, 4).map((v) => v.toFixed(2)).join(", ")}) · ${h.ms.toFixed(2)} ms on ${this.light.device_label}`;
  }
}

// ================================================================================ TEST HOOKS
// Read by tests/ and bench/ only (window.__latentCanvas[key]); the app never uses them.
const HOOKS = (window.__latentCanvas = window.__latentCanvas || {});
function installTestHooks(c) {
  HOOKS[c.key] = {
    get ready() { return c.plotReady; },
    get renderMs() { return c.renderMs; },
    get loadMs() { return c.loadMs; },
    get readyAt() { return c.readyAt; },
    get lastRenderAt() { return c.lastRenderAt; },
    get nPoints() { return c.nPoints; },
    get outDim() { return c.output.outDim; },
    get plotlyVersion() { return c.Plotly ? c.Plotly.version : null; },
    get seq() { return c.seq; },
    get timings() { return c.timings.slice(); },
    get mode() { return c.model ? (c.model.mlp ? "browser" : "server") : null; },
    get pinned() { return c.pinned ? Array.from(c.pinned) : null; },
    get hoverZ() { return c.hoverZ ? Array.from(c.hoverZ) : null; },
    get shownOutput() { return c.output.out ? Array.from(c.output.out) : null; }, // the last browser decode drawn
    get clickTimes() { return Object.fromEntries(c.clickTimes); },
    get ranges() { return c.geometry ? c.geometry.ranges() : null; },
    get serverHovers() { return c.server.received; },
    get redraws() { return c.redraws; },  // full plotly redraws after the first
    get note() { return c.note.textContent; },
    // the beta grid (grid mode only)
    get stop() { return c.gridMode.shown; },            // the stop on screen
    get betaIndex() { return c.gridMode.index; },       // the slider's stop
    get klOn() { return c.gridMode.klOn; },
    get steps() { return c.gridMode.steps; },
    get morphing() { return !!c.gridMode.morph; },
    get stepMs() { return c.gridMode.stepMs.slice(); },
    get morphMs() { return c.gridMode.morphMs.slice(); },
    get gridLoaded() { return c.grid && c.grid.ready ? c.grid.ready.filter(Boolean).length : 0; },
    get syncs() { return c.gridMode.syncs; },
    get mountedAt() { return c.mountedAt; },           // performance.now() when this canvas was created
    get firstStopAt() { return c.gridMode.firstStopAt; },
    get shownLayout() { const g = c.gridMode.cur; return g ? Array.from(g.xy) : null; },
    get walk() { return c.lesson.last; },               // the continuity walk on screen (lesson.js)
    get holes() { return c.gridMode.holesShown(); },    // the holes layer's grid on screen, or null
    decode: (zs) => zs.map((z) => Array.from(c.model.mlp.decode(Float64Array.from(z)))),
    toPixel: (zx, zy) => (c.geometry ? c.geometry.toClient(zx, zy) : null),      // latent -> client coordinates
    fromPixel: (cx, cy) => (c.geometry ? c.geometry.fromClient(cx, cy) : null),  // client -> latent (null outside)
    clearTimings: () => { c.timings.length = 0; },
  };
}
function removeTestHooks(c) {
  if (STORE.instances.get(c.key) === c) delete HOOKS[c.key];
}
// ============================================================================ END TEST HOOKS

function ensureCss(url) {
  if (!url || document.querySelector(`link[data-lc-css="${url}"]`)) return;
  const l = document.createElement("link");
  l.rel = "stylesheet";
  l.href = new URL(url, window.location.href).href;
  l.dataset.lcCss = url;
  document.head.appendChild(l);
}

// Streamlit calls this on mount and whenever the element's data changes. The instance lives as long as
// its parent element; a data change with the same hashes costs almost nothing.
export function mount(component) {
  const { parentElement, data } = component;
  ensureCss(data.css_url);
  const key = data.key;
  let inst = STORE.instances.get(key);
  if (!inst || inst.parent !== parentElement || !inst.root.isConnected) {
    if (inst) inst.destroy();
    const root = document.createElement("div");
    parentElement.appendChild(root);
    inst = new Canvas(root, key, parentElement);
    STORE.instances.set(key, inst);
  }
  inst.update(data, component);
  return () => {
    // Called on unmount (or when a superseded render finishes): tear down only if really detached.
    setTimeout(() => { if (!inst.root.isConnected) { inst.destroy(); if (STORE.instances.get(key) === inst) STORE.instances.delete(key); } }, 0);
  };
}
