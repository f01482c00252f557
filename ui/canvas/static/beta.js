// The KL weight in the browser: the beta slider and the KL switch above the plot, and the metrics of the
// model on screen beside it. Both only display and report; the canvas decides what a change does.
import { escapeHtml } from "./data.js";
import { loadGrid, density } from "./grid.js";
import { layoutTraces, densityTrace } from "./plot.js";
import { holesTrace, holesOf } from "./holes.js";

function fmtBeta(b) { return String(+b.toPrecision(3)); }

// onChange(index, klOn) on every slider step or switch flip.
export class BetaControls {
  constructor(box, onChange) {
    this.box = box;
    this.onChange = onChange;
    this.betas = [];
    this.offIndex = null;
    box.innerHTML = `
      <div class="lc-betarow">
        <span class="lc-betalabel">KL weight β <b class="lc-betaval"></b></span>
        <div class="lc-betaslider"><input type="range" class="lc-beta" min="0" step="1" aria-label="KL weight beta">
          <div class="lc-ticks"></div></div>
        <label class="lc-switch"><input type="checkbox" class="lc-klon" role="switch" aria-label="KL term on"> KL term on</label>
      </div>
      <div class="lc-shown"></div>`;
    this.slider = box.querySelector(".lc-beta");
    this.value = box.querySelector(".lc-betaval");
    this.ticks = box.querySelector(".lc-ticks");
    this.kl = box.querySelector(".lc-klon");
    this.shown = box.querySelector(".lc-shown");
    this.slider.addEventListener("input", () => this.onChange(+this.slider.value, this.kl.checked));
    this.kl.addEventListener("change", () => this.onChange(+this.slider.value, this.kl.checked));
  }
  setStops(betas, offIndex) {
    this.betas = betas;
    this.offIndex = offIndex;
    this.slider.max = String(betas.length - 1);
    this.ticks.innerHTML = betas.map((b) => `<span>${fmtBeta(b)}</span>`).join("");
    this.kl.disabled = offIndex == null;
    this.box.style.display = betas.length > 1 ? "" : "none";
  }
  // index: the slider's stop; shownBeta: the beta of the model on screen; label: its name, if known.
  show(index, klOn, shownBeta) {
    this.slider.value = String(index);
    this.kl.checked = klOn;
    this.slider.disabled = !klOn;
    const b = this.betas[index];
    this.value.textContent = fmtBeta(b);
    this.slider.setAttribute("aria-valuetext", fmtBeta(b)); // the KL weight itself, not the stop's number
    this.shown.textContent = klOn ? "" : `KL term off: showing the model trained with β = ${fmtBeta(shownBeta)} (a plain autoencoder with noise); the slider returns when KL is on.`;
  }
}

export class MetricsPanel {
  constructor(box) {
    this.box = box;
    this.key = null;
  }
  // s: the stop's summary; its "panel" (ui.scores.panel: title, metrics, notes, KL bars, warning) holds every
  // word shown here, the same that ui/explorer/metrics_column.py draws for a model without a grid.
  // klScale: the largest per-dimension KL of the whole grid, so a bar's length compares across beta (and a
  // collapsed model's 0.00 nats draws no bar).
  show(s, beta, klScale) {
    const key = JSON.stringify([beta, s.kl, klScale]);
    if (key === this.key) return;
    this.key = key;
    const p = s.panel, b = p.bars, kmax = Math.max(1e-3, klScale || 0, ...b.values);
    const bars = b.values.map((v, j) => `<div class="lc-klbar"><span>${escapeHtml(b.names[j])}</span><i style="width:${(60 * Math.max(0, v)) / kmax}%"></i><em>${escapeHtml(b.labels[j])}</em></div>`).join("");
    const cells = p.metrics.map((m) => `<div${m.wide ? ' class="lc-wide"' : ""} title="${escapeHtml(m.help)}"><small>${escapeHtml(m.label)}</small><b data-metric="${escapeHtml(m.key)}">${escapeHtml(m.value)}</b></div>`).join("");
    this.box.innerHTML = `
      <div class="lc-mhead">${escapeHtml(p.title)}</div>
      <div class="lc-mgrid">${cells}</div>
      ${p.notes.map((n) => `<div class="lc-mnote">${escapeHtml(n)}</div>`).join("")}
      <div class="lc-mhead lc-small">${escapeHtml(b.title)}</div>${bars}
      ${p.warning ? `<div class="lc-warn">${escapeHtml(p.warning)}</div>` : ""}`;
  }
}

// ---------------------------------------------------------------------------------------- grid mode
// The canvas showing a beta grid: which stop is on screen, the glide between stops, and telling Python.

export const MORPH_MS = 250;
export const SYNC_MS = 600; // Python hears of a beta change once the slider rests this long (one script run)
const ease = (t) => (t < 0.5 ? 2 * t * t : 1 - 2 * (1 - t) * (1 - t));

export class GridMode {
  constructor(canvas, controlsBox, metricsBox) {
    this.c = canvas;
    this.controls = new BetaControls(controlsBox, (i, kl) => this.choose(i, kl));
    this.metrics = new MetricsPanel(metricsBox);
    this.grid = null;        // the manifest blob, with its loading promises (grid.js)
    this.index = 0;          // the slider's stop
    this.klOn = true;
    this.shown = null;       // the stop on screen (index, or off_index with KL off)
    this.cur = null;         // what is drawn now: {xy: Float32Array(2n), sd: Float32Array(2m) | null, lim}
    this.morph = null;       // {from, to, t0} while gliding
    this.raf = 0;
    this.drawnLim = null;    // the view square on screen, so a frame only moves the axes when it changes
    this.syncTimer = 0;
    this.steps = 0;          // stop changes so far (test hooks)
    this.syncs = 0;          // views told to Python (each is one script run)
    this.firstStopAt = null; // performance.now() when the first stop's files were in (test hooks)
    this.stepMs = [];        // input -> first frame of the new layout painted, ms (bounded)
    this.morphMs = [];       // input -> exact target layout painted, ms (bounded)
  }

  get offIndex() { return this.c.light.grid.off_index; }
  target() { return this.klOn || this.offIndex == null ? this.index : this.offIndex; }

  // A render from Python. adopt: its view is new to this canvas (the page changed it: the sidebar, a link;
  // canvas.js compares epochs), so its stop and switch replace the person's; otherwise the render repeats
  // a view the person may have moved past since, and the canvas keeps its own.
  update(grid, want, adopt) {
    if (this.grid !== grid) {
      this.grid = grid;
      this.cur = null;
      this.shown = null;
      loadGrid(grid, want.index);
      this.controls.setStops(grid.stops.map((s) => s.beta), want.off_index);
      adopt = true;
    }
    if (adopt) {
      clearTimeout(this.syncTimer); // a report of the view the page has just replaced
      this.syncTimer = 0;
      this.index = want.index;
      this.klOn = !!want.kl_on;
    }
    this.controls.show(this.index, this.klOn, this.grid.stops[this.target()].beta);
    return this.goTo(this.target(), null);
  }

  // The canvas shows a single model now (the sidebar picked one outside the grid): hide the grid's
  // controls and numbers, and forget its stop.
  leave() {
    clearTimeout(this.syncTimer);
    this.syncTimer = 0;
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.grid = this.cur = this.shown = this.morph = null;
    this.controls.box.style.display = "none";
    this.metrics.box.innerHTML = "";
    this.metrics.key = null;
  }

  // The person moved the slider or flipped the switch.
  choose(index, klOn) {
    const t0 = performance.now();
    this.index = index;
    this.klOn = klOn;
    this.controls.show(index, klOn, this.grid.stops[this.target()].beta);
    this.goTo(this.target(), t0);
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => this.sync(), SYNC_MS);
  }
  sync() {
    this.syncTimer = 0;
    this.syncs += 1;
    // epoch: the page's view this choice was made from; the page drops it if it has changed the view since.
    this.c.api.setStateValue("view", { index: this.index, kl_on: this.klOn, epoch: this.c.epoch });
  }

  stop() { return this.shown == null ? null : this.grid.ready[this.shown]; }

  async goTo(i, t0) {
    let stop = this.grid.ready[i];
    if (!stop) {
      try { stop = await this.grid.loaded[i]; } catch (e) { this.c.status.textContent = String(e.message || e); return; }
      if (this.target() !== i) return; // moved on while it loaded
    }
    if (this.shown === i && this.cur) return;
    this.shown = i;
    this.steps += 1;
    this.c.setDecoder(stop);
    this.metrics.show(stop.summary, stop.beta, Math.max(...this.grid.stops.map((g) => Math.max(...g.summary.kl_per_dim))));
    this.controls.show(this.index, this.klOn, stop.beta);
    const to = this.layoutOf(stop);
    if (!this.cur || !this.c.plotReady) {
      if (this.firstStopAt == null) this.firstStopAt = performance.now();
      this.cur = to;
      this.c.gridReady();
      return;
    }
    if (this.c.light.density) this.restyleDensity(stop, to.lim);
    if (this.c.light.holes) this.restyleHoles();
    this.morph = { from: this.cur, to, t0: performance.now(), input: t0, first: true };
    if (!this.raf) this.raf = requestAnimationFrame(() => this.frame());
  }

  // The stop's layout in the plotted dims: points, ellipse sigmas (the first light.ellipse_n inputs), view.
  layoutOf(stop) {
    const d = this.c.light.dims, k = stop.k, n = stop.n, xy = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) { xy[2 * r] = stop.mu[r * k + d[0]]; xy[2 * r + 1] = stop.mu[r * k + d[1]]; }
    const idx = this.ellipseRows(n), sd = stop.logvar && idx.length ? new Float32Array(2 * idx.length) : null;
    if (sd) idx.forEach((r, j) => { sd[2 * j] = Math.exp(0.5 * stop.logvar[r * k + d[0]]); sd[2 * j + 1] = Math.exp(0.5 * stop.logvar[r * k + d[1]]); });
    // The visible square is Python's number for this stop and these dims (ui.canvas.payload.view_limit).
    return { xy, sd, lim: this.c.light.grid.limits[stop.index] };
  }
  // The rows explorer.plane.ellipses picks: evenly spaced, first and last included.
  ellipseRows(n) {
    const m = Math.min(this.c.light.ellipse_n || 0, n), out = [];
    for (let j = 0; j < m; j++) out.push(m === 1 ? 0 : Math.floor((j * (n - 1)) / (m - 1)));
    return out;
  }

  // Inputs of buildFigure for what is on screen: pts and the overlays computed here (ellipses, density).
  figureInputs(ov) {
    const stop = this.stop(), L = this.c.light, g = this.grid;
    // At rest, redraw from the stop itself: the settings (dims, how many ellipses) may have changed.
    if (!this.morph) this.cur = this.layoutOf(stop);
    const cur = this.cur;
    const pts = this.ptsOf(cur.xy, stop);
    pts.template = g.style.template;
    pts.label_names = g.style.label_names;
    pts.color_title = g.style.color_title;
    pts.hash = g.hash + L.dims.join(",");
    pts.range = [-cur.lim, cur.lim, -cur.lim, cur.lim];
    const o = { ...(ov || {}) };
    if (cur.sd) Object.assign(o, this.ellipsesOf(cur, stop));
    if (L.density && stop.logvar) o.density = density(stop, L.dims, cur.lim);
    if (L.holes) o.holes = holesTrace(stop, this.c.lesson.holesMode);
    return { pts, ov: o };
  }
  ptsOf(xy, stop) {
    const n = stop.n, x = new Float32Array(n), y = new Float32Array(n);
    for (let r = 0; r < n; r++) { x[r] = xy[2 * r]; y[r] = xy[2 * r + 1]; }
    return { n, x, y, labels: stop.labels, color: stop.labels ? null : stop.color };
  }
  ellipsesOf(cur, stop) {
    const idx = this.ellipseRows(stop.n), E = new Float32Array(4 * idx.length), lab = stop.labels ? new Int32Array(idx.length) : null;
    idx.forEach((r, j) => {
      E[4 * j] = cur.xy[2 * r]; E[4 * j + 1] = cur.xy[2 * r + 1]; E[4 * j + 2] = cur.sd[2 * j]; E[4 * j + 3] = cur.sd[2 * j + 1];
      if (lab) lab[j] = stop.labels[r];
    });
    return { ellipses: E, ellipse_labels: lab };
  }

  frame() {
    this.raf = 0;
    const m = this.morph;
    if (!m) return;
    const t = Math.min(1, (performance.now() - m.t0) / MORPH_MS), e = ease(t);
    const lerp = (a, b) => { if (!a || !b || a.length !== b.length) return b; const o = new Float32Array(b.length); for (let i = 0; i < b.length; i++) o[i] = a[i] + (b[i] - a[i]) * e; return o; };
    // The last frame draws the target's own arrays: the glide ends exactly on the stop's layout.
    // The view jumps to the new stop's square at once (one axis redraw); only the points and ellipses glide.
    this.cur = t >= 1 ? m.to : { xy: lerp(m.from.xy, m.to.xy), sd: lerp(m.from.sd, m.to.sd), lim: m.to.lim };
    this.draw();
    if (m.first && m.input != null) {
      m.first = false;
      const input = m.input;
      requestAnimationFrame(() => { const dt = performance.now() - input; this.stepMs.push(dt); if (this.stepMs.length > 500) this.stepMs.shift(); performance.measure("lc:step", { start: input, end: input + dt }); });
    }
    if (t < 1) { this.raf = requestAnimationFrame(() => this.frame()); return; }
    this.morph = null;
    if (m.input != null) { this.morphMs.push(performance.now() - m.input); if (this.morphMs.length > 500) this.morphMs.shift(); }
    this.c.placeMarks();
  }

  draw() {
    const c = this.c, ix = c.figIndex;
    if (!ix || !c.plotReady) return;
    const { pts, ov } = this.figureInputs(null);
    const lt = layoutTraces(pts, ov.ellipses ? ov : null);
    const traces = [...lt.points, ...lt.ellipses], which = [...ix.points, ...ix.ellipses];
    if (traces.length !== which.length) { c.redrawPlot(); return; } // a different trace set: draw anew
    const upd = { x: traces.map((t) => t.x), y: traces.map((t) => t.y) }, lim = this.cur.lim;
    if (lim === this.drawnLim) c.Plotly.restyle(c.plotEl, upd, which);
    else c.Plotly.update(c.plotEl, upd, { "xaxis.range": [-lim, lim], "yaxis.range": [-lim, lim] }, which);
    this.drawnLim = lim;
    if (ix.gaussians.length) c.restyleGaussians(this.shown);
  }

  restyleDensity(stop, lim) {
    const ix = this.c.figIndex;
    if (!ix || ix.density == null || !stop.logvar) return;
    const t = densityTrace(density(stop, this.c.light.dims, lim));
    this.c.Plotly.restyle(this.c.plotEl, { x: [t.x], y: [t.y], z: [t.z] }, [ix.density]);
  }

  // The holes layer of the stop on screen (holes.js), in the mode the lesson's switch chose.
  restyleHoles() {
    const ix = this.c.figIndex, stop = this.stop();
    if (!ix || ix.holes == null || !stop) return;
    const t = holesTrace(stop, this.c.lesson.holesMode);
    if (!t) { this.c.Plotly.restyle(this.c.plotEl, { visible: false }, [ix.holes]); return; }
    this.c.Plotly.restyle(this.c.plotEl, { visible: true, z: [t.z], x: [t.x], y: [t.y], zmin: t.zmin, zmax: t.zmax,
      colorscale: [t.colorscale], name: t.name }, [ix.holes]);
  }
  holesShown() {
    const stop = this.stop(), h = stop && this.c.light && this.c.light.holes ? holesOf(stop) : null;
    return h ? { stop: this.shown, mode: this.c.lesson.holesMode, n: h.n, share: Array.from(h.share) } : null;
  }

  destroy() { clearTimeout(this.syncTimer); if (this.raf) cancelAnimationFrame(this.raf); }
}
