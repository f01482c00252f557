// Plot and geometry: loading plotly.js, the figure of the latent plane, and the one adapter that maps
// between screen pixels and latent coordinates.

export const PLOTLY_COLORS = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692",
  "#B6E880", "#FF97FF", "#FECB52"];
const LIGHT24 = ["#FD3216", "#00FE35", "#6A76FC", "#FED4C4", "#FE00CE", "#0DF9FF", "#F6F926", "#FF9616",
  "#479B55", "#EEA6FB", "#DC587D", "#D626FF", "#6E899C", "#00B5F7", "#B68E00", "#C9FBE5", "#FF0092",
  "#22FFA7", "#E3EE9E", "#86CE00", "#BC7196", "#7E7DCD", "#FC6955", "#E48F72"];

// A page that already has plotly.js (Streamlit's own st.plotly_chart bundle sets window.Plotly) lends it,
// which also draws exactly like the app's other figures; otherwise load the plotly Python package's copy.
// The first plotly.js found is kept for the life of the page, so one plot never sees two versions.
const LOADER = (window.__lcPlotly = window.__lcPlotly || { Plotly: null, promise: null });
function usable(P) { return P && P.react && P.relayout && parseInt(String(P.version || "0"), 10) >= 2; }
export function loadPlotly(url) {
  if (LOADER.Plotly) return Promise.resolve(LOADER.Plotly);
  if (usable(window.Plotly)) return Promise.resolve((LOADER.Plotly = window.Plotly));
  if (!LOADER.promise) {
    LOADER.promise = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onload = () => (usable(window.Plotly) ? resolve((LOADER.Plotly = window.Plotly))
        : reject(new Error("plotly.js did not load")));
      s.onerror = () => { LOADER.promise = null; reject(new Error("could not load plotly.js from " + url)); };
      document.head.appendChild(s);
    });
  }
  return LOADER.promise;
}

// ---------------------------------------------------------------------------------------- geometry
// Pixel <-> latent mapping. plotly.js has no public API for it; its private axis objects
// (gd._fullLayout.xaxis with _offset, _length, p2l, l2p) are exact and fast, and have kept their shape in
// the majors tested here. Any other version uses the public route: the axis ranges plotly writes back into
// gd.layout and the bounding box of the plot area's drag rectangle (linear axes only, which this plot has).
const TESTED_MAJORS = [2, 3, 4];

export class PlotGeometry {
  constructor(el, Plotly) {
    this.el = el;
    this.version = String(Plotly.version || "0");
    this.usePrivate = TESTED_MAJORS.includes(parseInt(this.version, 10));
  }
  // -> {x: {offset, length, lo, hi}, y: {...}} in plot-element pixels, or null before the first draw.
  axes() {
    if (this.usePrivate) {
      const fl = this.el._fullLayout;
      if (!fl || !fl.xaxis || !fl.yaxis || !fl.xaxis._length) return null;
      const ax = (a, flip) => ({ offset: a._offset, length: a._length, lo: a.range[0], hi: a.range[1], flip,
        p2l: (p) => a.p2l(p), l2p: (v) => a.l2p(v) });
      return { x: ax(fl.xaxis, false), y: ax(fl.yaxis, true) };
    }
    const lay = this.el.layout, drag = this.el.querySelector(".draglayer .xy .nsewdrag");
    if (!lay || !lay.xaxis || !lay.yaxis || !lay.xaxis.range || !drag) return null;
    const r = this.el.getBoundingClientRect(), d = drag.getBoundingClientRect();
    const lin = (offset, length, lo, hi, flip) => ({ offset, length, lo, hi, flip,
      p2l: (p) => (flip ? hi - (p / length) * (hi - lo) : lo + (p / length) * (hi - lo)),
      l2p: (v) => (flip ? ((hi - v) / (hi - lo)) * length : ((v - lo) / (hi - lo)) * length) });
    return { x: lin(d.left - r.left, d.width, +lay.xaxis.range[0], +lay.xaxis.range[1], false),
      y: lin(d.top - r.top, d.height, +lay.yaxis.range[0], +lay.yaxis.range[1], true) };
  }
  // Client (page) coordinates -> latent [x, y], or null outside the plot area.
  fromClient(cx, cy) {
    const a = this.axes();
    if (!a) return null;
    const r = this.el.getBoundingClientRect();
    const px = cx - r.left - a.x.offset, py = cy - r.top - a.y.offset;
    if (px < 0 || py < 0 || px > a.x.length || py > a.y.length) return null;
    return [a.x.p2l(px), a.y.p2l(py)];
  }
  // Latent -> plot-element pixels {px, py, inside}, or null before the first draw.
  toLocal(zx, zy) {
    const a = this.axes();
    if (!a) return null;
    const px = a.x.offset + a.x.l2p(zx), py = a.y.offset + a.y.l2p(zy);
    const inside = px >= a.x.offset && px <= a.x.offset + a.x.length && py >= a.y.offset && py <= a.y.offset + a.y.length;
    return { px, py, inside };
  }
  toClient(zx, zy) {
    const p = this.toLocal(zx, zy), r = this.el.getBoundingClientRect();
    return p ? [r.left + p.px, r.top + p.py] : null;
  }
  ranges() {
    const a = this.axes();
    return a ? [a.x.lo, a.x.hi, a.y.lo, a.y.hi] : null;
  }
}

// ---------------------------------------------------------------------------------------- the figure
function withGaps(xs, ys, sx, sy) { // append a polyline and a gap
  for (let i = 0; i < sx.length; i++) { xs.push(sx[i]); ys.push(sy[i]); }
  xs.push(NaN); ys.push(NaN);
}
const CIRCLE = (() => {
  const n = 48, c = [], s = [];
  for (let i = 0; i <= n; i++) { const a = (2 * Math.PI * i) / n; c.push(Math.cos(a)); s.push(Math.sin(a)); }
  return { c, s };
})();

export function labelColor(k, idx) { return k <= 10 ? PLOTLY_COLORS[idx % 10] : LIGHT24[idx % 24]; }

export function legendFor(narrow) {
  return narrow ? { orientation: "h", x: 0, y: -0.16, yanchor: "top", itemsizing: "constant", font: { size: 11 } }
    : { orientation: "v", x: 1.02, y: 1, yanchor: "top", itemsizing: "constant" };
}

export function densityTrace(d) {
  const z = [];
  for (let j = 0; j < d.ny; j++) z.push(Array.from(d.z.subarray(j * d.nx, (j + 1) * d.nx)));
  return {
    type: "contour", x: Array.from(d.xs), y: Array.from(d.ys), z, name: "aggregate posterior",
    colorscale: [[0, "rgba(255,255,255,0)"], [0.08, "rgba(222,235,247,0.55)"], [0.4, "rgba(158,202,225,0.75)"],
      [1, "rgba(33,113,181,0.9)"]], showscale: false, ncontours: 14, hoverinfo: "skip",
    contours: { coloring: "fill", showlines: false }, line: { width: 0 }, showlegend: true,
  };
}

function priorTrace() {
  const xs = [], ys = [];
  for (const r of [1, 2, 3]) withGaps(xs, ys, CIRCLE.c.map((v) => r * v), CIRCLE.s.map((v) => r * v));
  return {
    type: "scatter", mode: "lines", x: xs, y: ys, name: "prior N(0, I): 1, 2, 3 σ", hoverinfo: "skip",
    line: { color: "rgba(40,40,40,0.75)", width: 1.3, dash: "dash" }, connectgaps: false,
  };
}

// Points: one scattergl trace per label (legend toggles classes), or one trace with a colour scale.
function pointTraces(pts, groups) {
  const n = pts.n, traces = [];
  const size = n > 50000 ? 2.5 : n > 10000 ? 3.5 : n > 3000 ? 4.5 : 6;
  const opacity = n > 50000 ? 0.5 : n > 10000 ? 0.65 : 0.8;
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
    return traces;
  }
  const m = { size, opacity, line: { width: 0 } };
  if (pts.color) {
    Object.assign(m, { color: pts.color, colorscale: "Viridis", showscale: true,
      colorbar: { title: { text: pts.color_title || "" }, thickness: 12, len: 0.8 } });
  } else m.color = PLOTLY_COLORS[0];
  traces.push({ type: "scattergl", mode: "markers", x: pts.x, y: pts.y, name: pts.name || "data",
    hoverinfo: "skip", marker: m, showlegend: false });
  return traces;
}

// Posterior Gaussians q(z|x) at 1 and 2 sigma, coloured like their points when labels are known.
function ellipseTraces(E, lab, groups) {
  const m = E.length / 4, byLab = new Map(), traces = [];
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
  return traces;
}

// Extra Gaussians (the overlay hook): a point and its 1- and 2-sigma ellipses each, one legend entry.
// row: which row of mu/sd to draw (the beta grid's stop when there is one row per stop).
export function gaussianTraces(gs, row) {
  const traces = [];
  gs.forEach((g, i) => {
    const r = Math.min(row || 0, g.mu.length - 1), [mx, my] = g.mu[r], lg = "G" + i;
    // WebGL traces, like the points: plotly stacks every WebGL trace above every SVG one, so an SVG marker
    // would hide under a dense cluster.
    traces.push({ type: "scattergl", mode: "markers", x: [mx], y: [my], name: g.label, legendgroup: lg,
      hoverinfo: "skip", marker: { size: 16, color: g.color, symbol: "star", line: { width: 1.5, color: "#fff" } } });
    if (!g.sd) return;
    const [sx, sy] = g.sd[r], xs = [], ys = [];
    for (const k of [1, 2]) withGaps(xs, ys, CIRCLE.c.map((v) => mx + k * sx * v), CIRCLE.s.map((v) => my + k * sy * v));
    traces.push({ type: "scattergl", mode: "lines", x: xs, y: ys, name: g.label + " 1σ, 2σ", legendgroup: lg,
      showlegend: false, hoverinfo: "skip", connectgaps: false, line: { color: g.color, width: 2 } });
  });
  return traces;
}

function pairs(P) {
  const xs = [], ys = [];
  for (let i = 0; i < P.length; i += 2) { xs.push(P[i]); ys.push(P[i + 1]); }
  return { xs, ys };
}

// The point and ellipse traces alone (their x and y), for a morph between layouts: the same traces in the
// same order as buildFigure makes them from the same labels.
export function layoutTraces(pts, ov) {
  const groups = new Map();
  const points = pointTraces(pts, groups);
  const ellipses = ov && ov.ellipses ? ellipseTraces(ov.ellipses, ov.ellipse_labels, groups) : [];
  return { points, ellipses };
}

// -> {traces, layout, config, index}; index: trace numbers of {density, points: [], ellipses: [], gaussians: []}.
export function buildFigure(pts, ov, light, narrow, stop) {
  const groups = new Map();
  const traces = [];
  const index = { holes: null, density: null, points: [], ellipses: [], gaussians: [] };
  const span = (arr, list) => { for (let i = 0; i < arr.length; i++) list.push(traces.length + i); traces.push(...arr); };
  // The holes layer (holes.js; grid mode, 2-D codes) lies under everything; a stop without it keeps an
  // empty trace so that the trace numbers stay put while the slider moves.
  if (light.holes) { index.holes = traces.length; traces.push(ov && ov.holes ? ov.holes : { type: "heatmap", z: [[0]], visible: false, showscale: false }); }
  if (ov && ov.density) { index.density = traces.length; traces.push(densityTrace(ov.density)); }
  if (light.prior) traces.push(priorTrace());
  span(pointTraces(pts, groups), index.points);
  if (ov && ov.ellipses) span(ellipseTraces(ov.ellipses, ov.ellipse_labels, groups), index.ellipses);
  if (ov && ov.extra) {
    const { xs, ys } = pairs(ov.extra);
    traces.push({ type: "scattergl", mode: "markers", x: xs, y: ys, name: ov.extra_name || "extra points",
      hoverinfo: "skip", marker: { symbol: "x", size: 7, color: "#222", line: { width: 0 } } });
  }
  if (ov && ov.path) {
    const { xs, ys } = pairs(ov.path);
    traces.push({ type: "scatter", mode: "lines+markers", x: xs, y: ys, name: ov.path_name || "path",
      hoverinfo: "skip", line: { color: "#111", width: 2 }, marker: { size: 6, color: "#111" } });
  }
  if (ov && ov.gaussians && ov.gaussians.length) span(gaussianTraces(ov.gaussians, stop), index.gaussians);
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
    // plotly.js 4's "Share chart..." uploads the figure to Plotly Cloud: no data leaves the page that way.
    modeBarButtonsToRemove: ["select2d", "lasso2d", "sendChartToCloud"],
    // The camera button saves the plane as a PNG, as on the app's other plotly charts.
    toImageButtonOptions: { format: "png", filename: "latent-canvas", scale: 2 } };
  return { traces, layout, config, index };
}
