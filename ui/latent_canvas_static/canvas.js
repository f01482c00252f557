// Latent canvas: a Streamlit components-v2 frontend (no build step).
//
// The plot is plotly.js (scattergl for the points), loaded once per page from the plotly Python package.
// Heavy data (points, overlays, decoder weights) arrives once, keyed by a content hash, and is kept in a
// page-wide store; later renders carry only the hashes, so a click never resends the scatter.
// Hover, drag and slider moves decode in the browser (an exact float64-accumulated MLP) at display rate;
// a click or a slider release sends z to Python, which decodes with torch and shows the authoritative image.

const STORE = (window.__lcStore = window.__lcStore || { blobs: new Map(), seq: {}, instances: new Map() });
const HOOKS = (window.__latentCanvas = window.__latentCanvas || {});
const MAX_BLOBS = 12;
const PLOTLY_COLORS = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692",
  "#B6E880", "#FF97FF", "#FECB52"];
const LIGHT24 = ["#FD3216", "#00FE35", "#6A76FC", "#FED4C4", "#FE00CE", "#0DF9FF", "#F6F926", "#FF9616",
  "#479B55", "#EEA6FB", "#DC587D", "#D626FF", "#6E899C", "#00B5F7", "#B68E00", "#C9FBE5", "#FF0092",
  "#22FFA7", "#E3EE9E", "#86CE00", "#BC7196", "#7E7DCD", "#FC6955", "#E48F72"];

// ---------------------------------------------------------------------------------------------- data
function b64bytes(s) {
  const bin = atob(s);
  const n = bin.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function f32(s) {
  if (s == null) return null;
  const u = b64bytes(s);
  return new Float32Array(u.buffer, 0, u.length >> 2);
}
function i32(s) {
  if (s == null) return null;
  const u = b64bytes(s);
  return new Int32Array(u.buffer, 0, u.length >> 2);
}
function putBlob(hash, value) {
  STORE.blobs.delete(hash);
  STORE.blobs.set(hash, value);
  while (STORE.blobs.size > MAX_BLOBS) STORE.blobs.delete(STORE.blobs.keys().next().value);
}
function getBlob(hash) {
  const v = STORE.blobs.get(hash);
  if (v !== undefined) { STORE.blobs.delete(hash); STORE.blobs.set(hash, v); }
  return v;
}

// Decode the wire format of each blob kind into typed arrays (done once per hash).
function unpack(kind, p) {
  if (kind === "model") return p.supported ? { ...p, mlp: new MLP(p) } : { ...p, mlp: null };
  if (kind === "points") {
    return { ...p, x: f32(p.x), y: f32(p.y), labels: i32(p.labels), color: f32(p.color) };
  }
  if (kind === "overlay") {
    const d = p.density;
    return {
      ...p, ellipses: f32(p.ellipses), ellipse_labels: i32(p.ellipse_labels), path: f32(p.path),
      extra: f32(p.extra),
      density: d ? { nx: d.nx, ny: d.ny, xs: f32(d.xs), ys: f32(d.ys), z: f32(d.z) } : null,
    };
  }
  return p;
}

// ------------------------------------------------------------------------------------------- decoder
// y = W x + b per layer, W row-major (out, in) as torch stores it. Accumulating in float64 makes the
// result at least as accurate as torch's float32 GEMM; inputs that are exactly 0 (ReLU) are skipped.
class MLP {
  constructor(p) {
    this.activation = p.activation;
    this.link = p.link;
    this.layers = p.layers.map((l) => {
      const W = f32(l.W);
      const nin = l.in, nout = l.out;
      const Wt = new Float32Array(nin * nout); // (in, out): a contiguous axpy per input unit
      for (let o = 0; o < nout; o++) for (let i = 0; i < nin; i++) Wt[i * nout + o] = W[o * nin + i];
      return { Wt, b: f32(l.b), nin, nout, y: new Float64Array(nout) };
    });
    this.inDim = this.layers[0].nin;
    this.outDim = this.layers[this.layers.length - 1].nout;
    this.macs = this.layers.reduce((s, l) => s + l.nin * l.nout, 0);
  }
  decode(z, out) {
    let x = z;
    const L = this.layers.length;
    for (let li = 0; li < L; li++) {
      const { Wt, b, nin, nout, y } = this.layers[li];
      for (let o = 0; o < nout; o++) y[o] = b[o];
      for (let i = 0; i < nin; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        const off = i * nout;
        for (let o = 0; o < nout; o++) y[o] += xi * Wt[off + o];
      }
      if (li < L - 1) {
        if (this.activation === "tanh") for (let o = 0; o < nout; o++) y[o] = Math.tanh(y[o]);
        else for (let o = 0; o < nout; o++) if (y[o] < 0) y[o] = 0;
      }
      x = y;
    }
    out = out || new Float64Array(this.outDim);
    if (this.link === "sigmoid") for (let o = 0; o < this.outDim; o++) out[o] = 1 / (1 + Math.exp(-x[o]));
    else for (let o = 0; o < this.outDim; o++) out[o] = x[o];
    return out;
  }
}

// ------------------------------------------------------------------------------------------- plotly
// A page that already has plotly.js (Streamlit's own st.plotly_chart bundle sets window.Plotly) lends it,
// which also draws exactly like the app's other figures; otherwise load the plotly Python package's copy.
// The first plotly.js found is kept for the life of the page, so one plot never sees two versions.
let plotlyPromise = null;
function usable(P) { return P && P.react && P.relayout && parseInt(String(P.version || "0"), 10) >= 2; }
function loadPlotly(url) {
  if (STORE.Plotly) return Promise.resolve(STORE.Plotly);
  if (usable(window.Plotly)) return Promise.resolve((STORE.Plotly = window.Plotly));
  if (!plotlyPromise) {
    plotlyPromise = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onload = () => (usable(window.Plotly) ? resolve((STORE.Plotly = window.Plotly))
        : reject(new Error("plotly.js did not load")));
      s.onerror = () => { plotlyPromise = null; reject(new Error("could not load plotly.js from " + url)); };
      document.head.appendChild(s);
    });
  }
  return plotlyPromise;
}

function withGaps(xs, ys, sx, sy) { // append a polyline and a gap
  for (let i = 0; i < sx.length; i++) { xs.push(sx[i]); ys.push(sy[i]); }
  xs.push(NaN); ys.push(NaN);
}
const CIRCLE = (() => {
  const n = 48, c = [], s = [];
  for (let i = 0; i <= n; i++) { const a = (2 * Math.PI * i) / n; c.push(Math.cos(a)); s.push(Math.sin(a)); }
  return { c, s };
})();

function labelColor(k, idx) { return k <= 10 ? PLOTLY_COLORS[idx % 10] : LIGHT24[idx % 24]; }

function legendFor(narrow) {
  return narrow ? { orientation: "h", x: 0, y: -0.16, yanchor: "top", itemsizing: "constant", font: { size: 11 } }
    : { orientation: "v", x: 1.02, y: 1, yanchor: "top", itemsizing: "constant" };
}

function buildFigure(pts, ov, light, narrow) {
  const traces = [];
  const n = pts.n;
  const big = n > 20000;
  const size = n > 50000 ? 2.5 : n > 10000 ? 3.5 : n > 3000 ? 4.5 : 6;
  const opacity = n > 50000 ? 0.5 : n > 10000 ? 0.65 : 0.8;
  if (ov && ov.density) {
    const d = ov.density, z = [];
    for (let j = 0; j < d.ny; j++) z.push(Array.from(d.z.subarray(j * d.nx, (j + 1) * d.nx)));
    traces.push({
      type: "contour", x: Array.from(d.xs), y: Array.from(d.ys), z, name: "aggregate posterior",
      colorscale: [[0, "rgba(255,255,255,0)"], [0.08, "rgba(222,235,247,0.55)"], [0.4, "rgba(158,202,225,0.75)"],
        [1, "rgba(33,113,181,0.9)"]], showscale: false, ncontours: 14, hoverinfo: "skip",
      contours: { coloring: "fill", showlines: false }, line: { width: 0 }, showlegend: true,
    });
  }
  if (light.prior) {
    const xs = [], ys = [];
    for (const r of [1, 2, 3]) withGaps(xs, ys, CIRCLE.c.map((v) => r * v), CIRCLE.s.map((v) => r * v));
    traces.push({
      type: "scatter", mode: "lines", x: xs, y: ys, name: "prior N(0, I): 1, 2, 3 σ", hoverinfo: "skip",
      line: { color: "rgba(40,40,40,0.75)", width: 1.3, dash: "dash" }, connectgaps: false,
    });
  }
  // Points: one scattergl trace per label (legend toggles classes), or one trace with a colour scale.
  const groups = new Map();
  if (pts.labels) {
    const counts = new Map();
    for (let i = 0; i < n; i++) counts.set(pts.labels[i], (counts.get(pts.labels[i]) || 0) + 1);
    const uniq = Array.from(counts.keys()).sort((a, b) => a - b);
    uniq.forEach((u, idx) => groups.set(u, { idx, k: 0, xs: new Float32Array(counts.get(u)), ys: new Float32Array(counts.get(u)) }));
    for (let i = 0; i < n; i++) { const g = groups.get(pts.labels[i]); g.xs[g.k] = pts.x[i]; g.ys[g.k++] = pts.y[i]; }
    for (const [u, g] of groups) {
      const nm = pts.label_names && pts.label_names[String(u)] != null ? pts.label_names[String(u)] : String(u);
      traces.push({
        type: "scattergl", mode: "markers", x: g.xs, y: g.ys, name: nm, legendgroup: "L" + u, hoverinfo: "skip",
        marker: { size, opacity, color: labelColor(groups.size, g.idx), line: { width: 0 } },
      });
    }
  } else {
    const m = { size, opacity, line: { width: 0 } };
    if (pts.color) {
      Object.assign(m, { color: pts.color, colorscale: "Viridis", showscale: true,
        colorbar: { title: { text: pts.color_title || "" }, thickness: 12, len: 0.8 } });
    } else m.color = PLOTLY_COLORS[0];
    traces.push({ type: "scattergl", mode: "markers", x: pts.x, y: pts.y, name: pts.name || "data",
      hoverinfo: "skip", marker: m, showlegend: false });
  }
  // Posterior Gaussians q(z|x) at 1 and 2 sigma, coloured like their points when labels are known.
  if (ov && ov.ellipses) {
    const E = ov.ellipses, m = E.length / 4, lab = ov.ellipse_labels, byLab = new Map();
    for (let k = 0; k < m; k++) {
      const key = lab ? lab[k] : -1;
      if (!byLab.has(key)) byLab.set(key, { x1: [], y1: [], x2: [], y2: [] });
      const g = byLab.get(key), mx = E[4 * k], my = E[4 * k + 1], sx = E[4 * k + 2], sy = E[4 * k + 3];
      withGaps(g.x1, g.y1, CIRCLE.c.map((v) => mx + sx * v), CIRCLE.s.map((v) => my + sy * v));
      withGaps(g.x2, g.y2, CIRCLE.c.map((v) => mx + 2 * sx * v), CIRCLE.s.map((v) => my + 2 * sy * v));
    }
    let first = true;
    for (const [key, g] of byLab) {
      const gi = groups.get(key);
      const col = gi ? labelColor(groups.size, gi.idx) : "rgba(30,30,30,0.8)";
      const lg = gi ? "L" + key : undefined;
      traces.push({ type: "scattergl", mode: "lines", x: g.x1, y: g.y1, hoverinfo: "skip", connectgaps: false,
        name: "q(z|x) 1σ, 2σ", legendgroup: lg, showlegend: !gi && first, line: { color: col, width: 1.2 } });
      traces.push({ type: "scattergl", mode: "lines", x: g.x2, y: g.y2, hoverinfo: "skip", connectgaps: false,
        name: "q(z|x) 2σ", legendgroup: lg, showlegend: false, opacity: 0.6, line: { color: col, width: 0.8, dash: "dot" } });
      first = false;
    }
  }
  if (ov && ov.extra) {
    const P = ov.extra, xs = [], ys = [];
    for (let i = 0; i < P.length; i += 2) { xs.push(P[i]); ys.push(P[i + 1]); }
    traces.push({ type: "scattergl", mode: "markers", x: xs, y: ys, name: ov.extra_name || "extra points",
      hoverinfo: "skip", marker: { symbol: "x", size: 7, color: "#222", line: { width: 0 } } });
  }
  if (ov && ov.path) {
    const P = ov.path, xs = [], ys = [];
    for (let i = 0; i < P.length; i += 2) { xs.push(P[i]); ys.push(P[i + 1]); }
    traces.push({ type: "scatter", mode: "lines+markers", x: xs, y: ys, name: ov.path_name || "path",
      hoverinfo: "skip", line: { color: "#111", width: 2 }, marker: { size: 6, color: "#111" } });
  }
  const layout = {
    template: pts.template || undefined, // plotly.py's default template, as the app's other figures
    height: light.height, autosize: true, uirevision: pts.hash, hovermode: false, dragmode: "zoom",
    margin: { l: 56, r: 16, t: 28, b: 48 },
    xaxis: { title: { text: light.axis_titles[0] }, range: pts.range ? pts.range.slice(0, 2) : undefined,
      zeroline: false, constrain: "domain" },
    yaxis: { title: { text: light.axis_titles[1] }, range: pts.range ? pts.range.slice(2, 4) : undefined,
      scaleanchor: "x", scaleratio: 1, zeroline: false, constrain: "domain" },
    legend: legendFor(narrow || !!(pts.color && !pts.labels)),
    showlegend: true,
  };
  // Plotly counts any two clicks within its doubleClickDelay (anywhere) as a double-click and re-renders the
  // whole plot to reset the zoom: quick clicks at different places would each cost a full redraw. The canvas
  // detects double-clicks itself (same spot) instead.
  const config = { displaylogo: false, responsive: true, scrollZoom: true, doubleClick: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"] };
  return { traces, layout, config };
}

// ---------------------------------------------------------------------------------------- the widget
const CMAPS = { gray: (v) => v, gray_r: (v) => 1 - v };
function fmtCount(n) { return n >= 1e5 ? (n / 1e6).toFixed(2) + " M" : n >= 1e3 ? (n / 1e3).toFixed(1) + " k" : String(n); }
function fmt(v) { return (v >= 0 ? "\u2007" : "") + v.toFixed(2); }

class Canvas {
  constructor(root, key) {
    this.key = key;
    this.root = root;
    this.seq = STORE.seq[key] || 0;
    this.hoverZ = null; // full latent vector under the mouse, or null
    this.pinned = null; // full latent vector shown when not hovering (z_base, a click, the sliders)
    this.timings = [];  // hover/slider decode+draw durations, ms (ring buffer)
    this.clickTimes = {};
    this.needAsked = new Map();
    this.plotReady = false;
    this.renderMs = null;
    this.raf = 0;
    this.build();
    HOOKS[key] = this.hook();
  }

  hook() {
    const self = this;
    return {
      get ready() { return self.plotReady; },
      get renderMs() { return self.renderMs; },
      get loadMs() { return self.loadMs; },
      get readyAt() { return self.readyAt; },
      get lastRenderAt() { return self.lastRenderAt; },
      get nPoints() { return self.nPoints; },
      get outDim() { return self.outDim; },
      get plotlyVersion() { return self.Plotly ? self.Plotly.version : null; },
      get seq() { return self.seq; },
      get timings() { return self.timings.slice(); },
      get mode() { return self.model ? (self.model.mlp ? "browser" : "server") : null; },
      get pinned() { return self.pinned ? Array.from(self.pinned) : null; },
      clickTimes: self.clickTimes,
      decode: (zs) => zs.map((z) => Array.from(self.model.mlp.decode(Float64Array.from(z)))),
      toPixel: (zx, zy) => self.toPixel(zx, zy),       // latent -> client (page) coordinates
      fromPixel: (cx, cy) => self.fromClient(cx, cy),  // client coordinates -> latent (null outside)
      clearTimings: () => { self.timings.length = 0; },
      get ranges() { const a = self.axes(); return a ? [...a[0].range, ...a[1].range] : null; },
      get serverHovers() { return self.serverHoverCount || 0; },
      get redraws() { return self.redraws || 0; },  // full plotly redraws after the first
      get note() { return self.note.textContent; },
    };
  }

  build() {
    const r = this.root;
    r.innerHTML = "";
    r.classList.add("lc-root");
    r.innerHTML = `
      <div class="lc-main">
        <div class="lc-plotwrap"><div class="lc-plot"></div>
          <div class="lc-overlay"><div class="lc-mark lc-hovermark"></div><div class="lc-mark lc-pinmark"></div>
            <canvas class="lc-thumb"></canvas></div>
          <div class="lc-loading">Loading plot…</div></div>
        <div class="lc-side">
          <div class="lc-head"><span class="lc-badge">browser</span> live decode</div>
          <div class="lc-imgbox"><canvas class="lc-img"></canvas><canvas class="lc-bars"></canvas></div>
          <div class="lc-readout"></div>
          <div class="lc-note"></div>
        </div>
      </div>
      <div class="lc-sliders"></div>
      <div class="lc-status"></div>`;
    const q = (s) => r.querySelector(s);
    this.plotEl = q(".lc-plot");
    this.overlay = q(".lc-overlay");
    this.hoverMark = q(".lc-hovermark");
    this.pinMark = q(".lc-pinmark");
    this.thumb = q(".lc-thumb");
    this.img = q(".lc-img");
    this.bars = q(".lc-bars");
    this.readout = q(".lc-readout");
    this.note = q(".lc-note");
    this.sliderBox = q(".lc-sliders");
    this.status = q(".lc-status");
    this.loading = q(".lc-loading");
    this.onMove = (e) => this.handleMove(e);
    this.onLeave = () => { this.hoverZ = null; this.hoverMark.style.display = "none"; this.thumb.style.display = "none"; this.schedule("pinned"); };
    this.onDown = (e) => { if (e.button === 0) this.down = { x: e.clientX, y: e.clientY, t: performance.now() }; };
    this.onUp = (e) => this.handleUp(e);
    this.sideW = 244;
    this.ro = new ResizeObserver((entries) => this.resize(entries[0].contentRect.width));
    this.ro.observe(r);
    this.plotEl.addEventListener("mousemove", this.onMove);
    this.plotEl.addEventListener("mouseleave", this.onLeave);
    this.plotEl.addEventListener("mousedown", this.onDown, true);
    window.addEventListener("mouseup", this.onUp, true);
  }

  // The live image sits beside the plot, sized to the space there is; below it only when very narrow.
  resize(width) {
    if (!width) return;
    const sideW = Math.max(150, Math.min(250, Math.round(width * 0.27)));
    if (sideW !== this.sideW) {
      this.sideW = sideW;
      this.root.style.setProperty("--lc-side", sideW + "px");
      if (this.model && this.light) this.sizeOutput();
    }
    this.narrow = width - sideW < 560;
    this.syncLegend();
  }
  syncLegend() {
    const narrow = !!this.narrow || !!this.colorbar;
    if (!this.plotReady || this.legendNarrow === narrow) return;
    this.legendNarrow = narrow;
    this.Plotly.relayout(this.plotEl, { legend: legendFor(narrow) });
  }

  destroy() {
    if (this.ro) this.ro.disconnect();
    window.removeEventListener("mouseup", this.onUp, true);
    if (this.plotEl && this.Plotly) try { this.Plotly.purge(this.plotEl); } catch (e) { /* gone */ }
    if (HOOKS[this.key] && STORE.instances.get(this.key) === this) delete HOOKS[this.key];
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
    if (missing.length) {
      // The page was reloaded into an old session, or the store evicted it: ask Python to resend.
      const fresh = missing.filter((h) => (this.needAsked.get(h) || 0) < 3);
      fresh.forEach((h) => this.needAsked.set(h, (this.needAsked.get(h) || 0) + 1));
      if (fresh.length) api.setTriggerValue("need", { hashes: fresh, t: Date.now() });
      this.status.textContent = "Waiting for data…";
      return;
    }
    this.status.textContent = "";
    const zKey = JSON.stringify(data.z_base);
    const outKey = data.blobs.model + JSON.stringify(data.image_shape) + data.cmap;
    this.model = model;
    if (this.outKey !== outKey) { this.outKey = outKey; this.setupOutput(); }
    if (this.zBaseKey !== zKey || !this.pinned || this.pinned.length !== data.latent_dim) {
      this.zBaseKey = zKey;
      this.pinned = Float64Array.from(data.z_base);
      this.buildSliders();
    }
    if (data.server_hover && this.model && !this.model.mlp) this.receiveServerHover(data.server_hover);
    const figKey = [data.blobs.points, data.blobs.overlay, data.prior, data.height, data.axis_titles.join("|")].join("/");
    if (figKey !== this.figKey) { this.figKey = figKey; this.renderPlot(pts, ov, data); }
    this.updateNote();
    this.schedule("pinned");
  }

  setupOutput() {
    const L = this.light, m = this.model;
    this.outDim = m.out_dim;
    this.out = new Float64Array(this.outDim);
    const shape = L.image_shape;
    if (shape) {
      const [h, w] = shape;
      this.img.width = w; this.img.height = h;
      this.imgData = new ImageData(w, h);
      this.thumb.width = w; this.thumb.height = h;
      this.img.style.display = ""; this.bars.style.display = "none";
      this.ctx = this.img.getContext("2d");
      this.tctx = this.thumb.getContext("2d");
      const ts = Math.max(1, Math.round(64 / Math.max(h, w)));
      this.thumb.style.width = w * ts + "px"; this.thumb.style.height = h * ts + "px";
    } else {
      this.bctx = this.bars.getContext("2d");
      this.img.style.display = "none"; this.bars.style.display = "";
      this.barMax = 0; this.barMin = 0;
    }
    this.sizeOutput();
  }
  sizeOutput() {
    const box = this.sideW - 16, shape = this.light.image_shape;
    if (shape) {
      const [h, w] = shape, k = box / Math.max(h, w);
      this.img.style.width = Math.round(w * k) + "px"; this.img.style.height = Math.round(h * k) + "px";
    } else if (this.bctx) {
      this.barW = box; this.barH = Math.round(box * 0.85);
      const dpr = window.devicePixelRatio || 1;
      this.bars.width = this.barW * dpr; this.bars.height = this.barH * dpr;
      this.bars.style.width = this.barW + "px"; this.bars.style.height = this.barH + "px";
      this.bctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
  }

  updateNote() {
    const m = this.model, L = this.light;
    let s;
    if (!m) s = "";
    else if (m.mlp) s = `Hover to decode in the browser (${fmtCount(m.mlp.macs)} multiply-adds per ${L.image_shape ? "image" : "point"}). `
      + `Click, or release a slider, to decode with torch on <b>${escapeHtml(L.device_label)}</b>.`;
    else s = `<b>This decoder cannot run in the browser</b> (${escapeHtml(m.reason || "unsupported")}); hover decodes `
      + `on the server (${escapeHtml(L.device_label)}), throttled to about ${Math.round(1000 / L.hover_interval_ms)} per second.`;
    if (this.note.innerHTML !== s) this.note.innerHTML = s;
    const badge = this.root.querySelector(".lc-badge"), b = m && !m.mlp ? "server" : "browser";
    if (badge.textContent !== b) { badge.textContent = b; badge.classList.toggle("lc-server", b === "server"); }
  }

  async renderPlot(pts, ov, L) {
    const token = (this.renderToken = (this.renderToken || 0) + 1);
    const t0 = performance.now();
    let Plotly;
    try { Plotly = await loadPlotly(L.plotly_url); } catch (e) { this.loading.textContent = String(e.message || e); return; }
    if (token !== this.renderToken) return;
    this.Plotly = Plotly;
    this.colorbar = !!(pts.color && !pts.labels);
    const fig = buildFigure(pts, ov, L, !!this.narrow);
    this.legendNarrow = !!this.narrow || this.colorbar;
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
    if (!this.relayoutBound) {
      this.relayoutBound = true;
      this.plotEl.on("plotly_relayout", () => this.placeMarks());
      this.plotEl.on("plotly_afterplot", () => { this.redraws = (this.redraws || 0) + 1; this.placeMarks(); });
    }
    this.syncLegend();
    this.placeMarks();
    this.status.textContent = `${pts.n.toLocaleString()} points (all drawn, WebGL) · plot ${this.renderMs.toFixed(0)} ms`;
  }

  // ------------------------------------------------------------------ geometry
  axes() {
    const fl = this.plotEl._fullLayout;
    return fl && fl.xaxis && fl.yaxis && fl.xaxis._length ? [fl.xaxis, fl.yaxis] : null;
  }
  fromClient(cx, cy) {
    const ax = this.axes();
    if (!ax) return null;
    const [xa, ya] = ax, r = this.plotEl.getBoundingClientRect();
    const px = cx - r.left - xa._offset, py = cy - r.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
    return [xa.p2l(px), ya.p2l(py)];
  }
  toLocal(zx, zy) {
    const ax = this.axes();
    if (!ax) return null;
    const [xa, ya] = ax;
    const px = xa._offset + xa.l2p(zx), py = ya._offset + ya.l2p(zy);
    const inside = px >= xa._offset && px <= xa._offset + xa._length && py >= ya._offset && py <= ya._offset + ya._length;
    return { px, py, inside };
  }
  toPixel(zx, zy) {
    const p = this.toLocal(zx, zy), r = this.plotEl.getBoundingClientRect();
    return p ? [r.left + p.px, r.top + p.py] : null;
  }
  placeMark(el, z) {
    const d = this.light.dims, p = z ? this.toLocal(z[d[0]], z[d[1]]) : null;
    if (!p || !p.inside) { el.style.display = "none"; return; }
    el.style.display = "block";
    el.style.transform = `translate(${p.px}px, ${p.py}px)`;
  }
  placeMarks() { this.placeMark(this.pinMark, this.pinned); if (this.hoverZ) this.placeMark(this.hoverMark, this.hoverZ); }

  // ------------------------------------------------------------------ interaction
  handleMove(e) {
    const zz = this.fromClient(e.clientX, e.clientY);
    if (!zz || !this.pinned) { if (this.hoverZ) this.onLeave(); return; }
    const z = Float64Array.from(this.pinned), d = this.light.dims;
    z[d[0]] = zz[0]; z[d[1]] = zz[1];
    this.hoverZ = z;
    this.mouse = [e.clientX, e.clientY];
    this.schedule("hover");
  }
  handleUp(e) {
    const dn = this.down;
    this.down = null;
    if (!dn || e.button !== 0) return;
    if (Math.hypot(e.clientX - dn.x, e.clientY - dn.y) > 4 || performance.now() - dn.t > 1000) return; // a drag (zoom)
    const zz = this.fromClient(e.clientX, e.clientY);
    if (!zz) return;
    const now = performance.now(), lc = this.lastClick;
    // A double-click (same spot) resets the zoom; its second click is not a new request.
    if (lc && now - lc.t < 350 && Math.hypot(e.clientX - lc.x, e.clientY - lc.y) < 5) {
      this.lastClick = null;
      this.Plotly.relayout(this.plotEl, { "xaxis.autorange": true, "yaxis.autorange": true });
      return;
    }
    this.lastClick = { t: now, x: e.clientX, y: e.clientY };
    const z = Float64Array.from(this.pinned), d = this.light.dims;
    z[d[0]] = zz[0]; z[d[1]] = zz[1];
    this.pin(z);
    this.send("click", e.timeStamp);
  }
  pin(z) {
    this.pinned = z;
    this.syncSliders();
    this.placeMark(this.pinMark, z);
    this.schedule(this.hoverZ ? "hover" : "pinned");
  }
  send(source, t) {
    this.seq += 1;
    STORE.seq[this.key] = this.seq;
    const seq = this.seq;
    this.clickTimes[seq] = t === undefined ? performance.now() : t;
    performance.mark("lc:send:" + seq);
    this.api.setTriggerValue("event", { z: Array.from(this.pinned), source, seq });
    this.status.textContent = `sent #${seq} (${source}) to Python`;
  }

  buildSliders() {
    const L = this.light, box = this.sliderBox, d = L.latent_dim;
    box.innerHTML = "";
    this.sliders = [];
    const [lo, hi] = L.slider_range;
    for (let i = 0; i < d; i++) {
      const row = document.createElement("label");
      row.className = "lc-slider" + (L.dims.includes(i) ? " lc-plotted" : "");
      const name = L.dim_names[i];
      row.innerHTML = `<span class="lc-sname">${escapeHtml(name)}</span><input type="range" min="${lo}" max="${hi}" step="0.01"><span class="lc-sval"></span>`;
      const input = row.querySelector("input"), val = row.querySelector(".lc-sval");
      input.value = String(this.pinned[i]);
      val.textContent = fmt(this.pinned[i]);
      input.setAttribute("aria-label", `latent ${name}`);
      input.dataset.dim = String(i);
      input.addEventListener("input", () => {
        const z = Float64Array.from(this.pinned);
        z[i] = parseFloat(input.value);
        val.textContent = fmt(z[i]);
        this.pinned = z;
        this.placeMark(this.pinMark, z);
        this.schedule("slider");
      });
      input.addEventListener("change", () => this.send("slider"));
      box.appendChild(row);
      this.sliders.push({ input, val });
    }
  }
  syncSliders() {
    if (!this.sliders) return;
    this.sliders.forEach((s, i) => { s.input.value = String(this.pinned[i]); s.val.textContent = fmt(this.pinned[i]); });
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
    if (!this.model.mlp) { this.serverHover(z); this.placeMarks(); return; }
    const t0 = performance.now();
    const x = this.model.mlp.decode(z, this.out);
    this.draw(x, z);
    const t1 = performance.now();
    if (kind === "hover" || kind === "slider") {
      performance.measure("lc:" + kind, { start: t0, end: t1 });
      this.timings.push(t1 - t0);
      if (this.timings.length > 4000) this.timings.splice(0, 2000);
    }
    this.readout.textContent = `${this.hoverZ ? "hover" : "pinned"} z = (${Array.from(z.slice(0, 4)).map((v) => v.toFixed(2)).join(", ")}${z.length > 4 ? ", …" : ""}) · ${(t1 - t0).toFixed(2)} ms`;
  }
  draw(x, z) {
    const L = this.light;
    if (L.image_shape) {
      const px = this.imgData.data, n = this.outDim, cm = CMAPS[L.cmap] || CMAPS.gray;
      for (let i = 0; i < n; i++) {
        let v = x[i]; v = v < 0 ? 0 : v > 1 ? 1 : v;
        const g = Math.round(255 * cm(v)), j = 4 * i;
        px[j] = g; px[j + 1] = g; px[j + 2] = g; px[j + 3] = 255;
      }
      this.ctx.putImageData(this.imgData, 0, 0);
      if (this.hoverZ && this.mouse) {
        this.tctx.putImageData(this.imgData, 0, 0);
        const r = this.plotEl.getBoundingClientRect();
        this.thumb.style.display = "block";
        const lx = this.mouse[0] - r.left, ly = this.mouse[1] - r.top;
        const tw = this.thumb.offsetWidth || 64;
        const left = lx + 14 + tw > r.width ? lx - 14 - tw : lx + 14;
        this.thumb.style.transform = `translate(${left}px, ${ly + 14}px)`;
      }
    } else this.drawBars(x);
    if (this.hoverZ) this.placeMark(this.hoverMark, this.hoverZ);
  }
  drawBars(x) {
    const L = this.light, c = this.bctx, W = this.barW, H = this.barH, n = this.outDim;
    const mean = L.out_mean, scale = L.out_scale;
    const v = new Array(n);
    for (let i = 0; i < n; i++) v[i] = mean ? x[i] * scale[i] + mean[i] : x[i];
    // The axis covers every value seen so far (and 0), so bars keep their scale while the mouse moves.
    for (const a of v) { this.barMax = Math.max(this.barMax, a); this.barMin = Math.min(this.barMin, a); }
    const lo = this.barMin, hi = this.barMax, span = hi - lo || 1;
    c.clearRect(0, 0, W, H);
    const top = 8, bottom = H - 26, yOf = (a) => bottom - ((a - lo) / span) * (bottom - top), mid = yOf(0);
    const bw = Math.min(48, (W - 16) / n - 6);
    c.strokeStyle = "#bbb"; c.beginPath(); c.moveTo(4, mid); c.lineTo(W - 4, mid); c.stroke();
    c.font = "11px sans-serif"; c.textAlign = "center";
    for (let i = 0; i < n; i++) {
      const cx = 8 + (i + 0.5) * ((W - 16) / n), y = yOf(v[i]);
      c.fillStyle = PLOTLY_COLORS[i % 10];
      c.fillRect(cx - bw / 2, Math.min(y, mid), bw, Math.max(1, Math.abs(mid - y)));
      if (n <= 12) {
        c.fillStyle = "#333";
        c.fillText((L.out_names && L.out_names[i]) || `x${i + 1}`, cx, H - 13);
        c.fillText(v[i].toPrecision(3), cx, H - 1);
      }
    }
  }

  // ------------------------------------------------------------------ fallback: decode on the server
  serverHover(z) {
    const L = this.light, now = performance.now();
    this.hoverWanted = Array.from(z);
    if (this.hoverInFlight && now - this.hoverInFlight < 2000) return;
    if (this.lastHoverSent && now - this.lastHoverSent < L.hover_interval_ms) {
      clearTimeout(this.hoverTimer);
      this.hoverTimer = setTimeout(() => this.serverHover(this.hoverWanted), L.hover_interval_ms - (now - this.lastHoverSent));
      return;
    }
    this.lastHoverSent = now;
    this.hoverInFlight = now;
    this.hseq = (this.hseq || 0) + 1;
    this.api.setTriggerValue("hover", { z: this.hoverWanted, hseq: this.hseq });
  }
  receiveServerHover(h) {
    if (h.hseq === this.lastHseq) return;
    this.lastHseq = h.hseq;
    this.serverHoverCount = (this.serverHoverCount || 0) + 1;
    this.hoverInFlight = 0;
    const x = f32(h.x);
    this.draw(x, h.z);
    this.readout.textContent = `server z = (${h.z.slice(0, 4).map((v) => v.toFixed(2)).join(", ")}) · ${h.ms.toFixed(2)} ms on ${this.light.device_label}`;
  }
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Streamlit calls this on mount and whenever the element's data changes. The instance lives as long as
// its parent element; a data change with the same hashes costs almost nothing.
function ensureCss(url) {
  if (!url || document.querySelector(`link[data-lc-css="${url}"]`)) return;
  const l = document.createElement("link");
  l.rel = "stylesheet";
  l.href = new URL(url, window.location.href).href;
  l.dataset.lcCss = url;
  document.head.appendChild(l);
}

export function mount(component) {
  const { parentElement, data } = component;
  ensureCss(data.css_url);
  const key = data.key;
  let inst = STORE.instances.get(key);
  if (!inst || inst.parent !== parentElement || !inst.root.isConnected) {
    if (inst) inst.destroy();
    const root = document.createElement("div");
    parentElement.appendChild(root);
    inst = new Canvas(root, key);
    inst.parent = parentElement;
    STORE.instances.set(key, inst);
  }
  inst.update(data, component);
  return () => {
    // Called on unmount (or when a superseded render finishes): tear down only if really detached.
    setTimeout(() => { if (!inst.root.isConnected) { inst.destroy(); if (STORE.instances.get(key) === inst) STORE.instances.delete(key); } }, 0);
  };
}

// For tests: decode with a decoder payload (as ui.latent_canvas.decoder_payload builds it), no widget needed.
export function decodeWithPayload(payload, zs) {
  const m = new MLP(payload);
  return zs.map((z) => Array.from(m.decode(Float64Array.from(z))));
}
