// What the two scores mean, on the model on screen: a walk between two codes decoded step by step with the
// change each step makes (the quantity the continuity score is built from), and, for labelled data, what the
// prior's draws decode to (their class mix against the data's, precision and recall). All of it comes from
// the stop on screen (its decoder and stored numbers), so the KL slider changes it with no script run.
import { escapeHtml } from "./data.js";
import { labelColor } from "./plot.js";
import { HOLE_MODES } from "./holes.js";

export const WALK_STEPS = 12; // as vae_core.metrics.summary's continuity (steps per walk)
const CMAPS = { gray: (v) => v, gray_r: (v) => 1 - v };
const pct = (v) => (v == null || !isFinite(v) ? "n/a" : Math.round(100 * v) + "%");

// The walk from a to b (full latent vectors) decoded at steps + 1 evenly spaced points, and its score as
// vae_core.metrics.continuity scores one pair: c_t = ||f(z_t+1) - f(z_t)|| plus an even floor of
// 1e-4 sqrt(d) over the path, s = max_t c_t / sum_t c_t, score = (1/s - 1)/(steps - 1).
export function walk(mlp, a, b, steps = WALK_STEPS) {
  const d = mlp.outDim, k = a.length, images = [], z = new Float64Array(k);
  for (let t = 0; t <= steps; t++) {
    for (let i = 0; i < k; i++) z[i] = a[i] + ((b[i] - a[i]) * t) / steps;
    images.push(Float64Array.from(mlp.decode(z)));
  }
  const raw = new Float64Array(steps), floor = 1e-4 * Math.sqrt(d);
  for (let t = 0; t < steps; t++) {
    let s = 0;
    for (let o = 0; o < d; o++) { const e = images[t + 1][o] - images[t][o]; s += e * e; }
    raw[t] = Math.sqrt(s);
  }
  const c = raw.map((v) => v + floor / steps), total = c.reduce((x, y) => x + y, 0);
  const share = c.map((v) => v / total), top = Math.max(...share);
  const score = Math.min(1, Math.max(0, (1 / top - 1) / (steps - 1)));
  return { images, raw, share, top, score, change: raw.reduce((x, y) => x + y, 0), steps };
}

export class Lesson {
  constructor(canvas, walkBox, mixBox, overlay) {
    this.c = canvas;
    this.walkBox = walkBox;
    this.mixBox = mixBox;
    this.ends = [null, null]; // start and end: null = the score's worst pair, else a pinned z
    this.stop = null;
    this.last = null;         // the walk on screen (test hooks)
    this.holesMode = "share";
    walkBox.innerHTML = `
      <div class="lc-lhead">Continuity, seen: a walk between two codes</div>
      <div class="lc-lnote">Walk in a straight line from code A to code B and decode every step: does the picture change evenly, or all at once? Continuity is the average of that evenness over many walks.</div>
      <div class="lc-lbtns"><button type="button" data-end="0">Start at the pin</button>
        <button type="button" data-end="1">End at the pin</button>
        <button type="button" data-end="worst">The score's worst pair</button></div>
      <canvas class="lc-strip"></canvas>
      <svg class="lc-spark" preserveAspectRatio="none"></svg>
      <div class="lc-lnote lc-walknote"></div>
      <div class="lc-holesbar" style="display:none">Holes layer:
        <label><input type="radio" name="lc-holes" value="share" checked> ${HOLE_MODES.share.label}</label>
        <label><input type="radio" name="lc-holes" value="log"> ${HOLE_MODES.log.label}</label>
        <span class="lc-holekey"></span></div>`;
    this.strip = walkBox.querySelector(".lc-strip");
    this.spark = walkBox.querySelector(".lc-spark");
    this.note = walkBox.querySelector(".lc-walknote");
    this.holesBar = walkBox.querySelector(".lc-holesbar");
    this.holeKey = walkBox.querySelector(".lc-holekey");
    walkBox.querySelectorAll("button").forEach((btn) => btn.addEventListener("click", () => this.setEnd(btn.dataset.end)));
    walkBox.querySelectorAll("input[name=lc-holes]").forEach((r) => r.addEventListener("change", () => {
      this.holesMode = r.value;
      this.showHoleKey();
      this.c.gridMode.restyleHoles();
    }));
    this.path = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.path.setAttribute("class", "lc-walkpath");
    overlay.appendChild(this.path);
  }

  setEnd(which) {
    if (which === "worst") this.ends = [null, null];
    else if (this.c.pinned) this.ends[+which] = Float64Array.from(this.c.pinned);
    if (this.stop) this.show(this.stop);
  }

  // The walk's two ends at this stop: the pinned ones, else the stop's worst pair (in aligned axes, from
  // the layout's summary), else the codes of the first two inputs with different labels.
  endsAt(stop) {
    const wp = stop.summary.worst_pair, k = stop.k;
    let dflt = wp && wp.length === 2 ? wp.map((z) => Float64Array.from(z)) : null;
    if (!dflt) {
      const row = (r) => Float64Array.from(stop.mu.subarray(r * k, (r + 1) * k));
      let j = 1;
      while (stop.labels && j < stop.n - 1 && stop.labels[j] === stop.labels[0]) j++;
      dflt = [row(0), row(Math.min(j, stop.n - 1))];
    }
    return [this.ends[0] || dflt[0], this.ends[1] || dflt[1]];
  }

  // The holes switch shows while the Holes layer is on (a setting from Python).
  syncLight() {
    const on = !!(this.c.light && this.c.light.holes);
    this.holesBar.style.display = on ? "" : "none";
    if (on) this.showHoleKey();
  }

  // A new stop on screen (grid mode).
  show(stop) {
    this.stop = stop;
    const L = this.c.light;
    this.syncLight();
    const [a, b] = this.endsAt(stop), w = walk(stop.mlp, a, b, stop.summary.continuity_steps || WALK_STEPS);
    this.last = { a: Array.from(a), b: Array.from(b), score: w.score, share: Array.from(w.share), raw: Array.from(w.raw), change: w.change };
    this.drawStrip(w, L);
    this.drawSpark(w);
    const worst = !this.ends[0] && !this.ends[1] && stop.summary.worst_pair;
    const who = worst ? "the pair of inputs whose walk scored lowest in the continuity score" : this.ends[0] || this.ends[1] ? "your pinned points" : "the codes of two inputs";
    const t = stop.summary.text || {};
    const flat = w.change < 1e-3 * Math.sqrt(stop.mlp.outDim);
    this.note.innerHTML = flat
      ? `Between ${who}, the decoded image hardly changes (total change ${w.change.toPrecision(2)}): every z decodes to nearly the same image, so the walk counts as even (score ${w.score.toFixed(2)}) while the code carries nothing.`
      : `Between ${who}: this walk scores <b>${w.score.toFixed(2)}</b>. Its largest step makes ${pct(w.top)} of the whole change (red); `
        + `an even walk would make ${pct(1 / w.steps)} per step (dashed line). The continuity score, ${escapeHtml(t.continuity || "")}, is the average over many such walks, weighted by how much each changes.`;
    this.placePath();
    this.showMix(stop.summary);
  }

  drawStrip(w, L) {
    const shape = L && L.image_shape;
    this.strip.style.display = shape ? "" : "none";
    if (!shape) return;
    const [h, wd] = shape, n = w.images.length, gap = 1, cm = CMAPS[L.cmap] || CMAPS.gray;
    this.strip.width = n * (wd + gap) - gap;
    this.strip.height = h;
    const ctx = this.strip.getContext("2d"), img = new ImageData(wd, h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, this.strip.width, h);
    w.images.forEach((x, t) => {
      for (let i = 0; i < h * wd; i++) {
        let v = x[i]; v = v < 0 ? 0 : v > 1 ? 1 : v;
        const g = Math.round(255 * cm(v));
        img.data[4 * i] = g; img.data[4 * i + 1] = g; img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, t * (wd + gap), 0);
    });
  }

  // Bars of each step's share of the change, each between the two images it joins, on a fixed scale
  // (0 to three times the even share, or the largest step) so that sliding beta shows the profile flatten or spike.
  drawSpark(w) {
    const n = w.steps, W = 100 * (n + 1), H = 48, top = Math.max(3 / n, w.top), y = (v) => H - 2 - (v / top) * (H - 6);
    const bars = Array.from(w.share).map((v, t) => {
      const x = 100 * (t + 1) - 30;
      return `<rect x="${x}" y="${y(v)}" width="60" height="${H - 2 - y(v)}" fill="${v === w.top ? "#d62728" : "#636efa"}"/>`;
    }).join("");
    this.spark.setAttribute("viewBox", `0 0 ${W} ${H}`);
    this.spark.innerHTML = `${bars}<line x1="0" x2="${W}" y1="${y(1 / n)}" y2="${y(1 / n)}" stroke="#444" stroke-dasharray="14 10" stroke-width="2" vector-effect="non-scaling-stroke"/>`;
  }

  // The walk drawn on the plot: a dashed segment from A to B in the plotted dims.
  placePath() {
    const g = this.c.geometry, L = this.c.light, wl = this.last;
    if (!g || !L || !wl) { this.path.innerHTML = ""; return; }
    const d = L.dims, p = g.toLocal(wl.a[d[0]], wl.a[d[1]]), q = g.toLocal(wl.b[d[0]], wl.b[d[1]]);
    if (!p || !q) { this.path.innerHTML = ""; return; }
    const dot = (o, s) => `<circle cx="${o.px}" cy="${o.py}" r="5" fill="#fff" stroke="#111" stroke-width="2"/><text x="${o.px + 7}" y="${o.py - 7}" font-size="13" font-weight="700" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke">${s}</text>`;
    this.path.innerHTML = `<line x1="${p.px}" y1="${p.py}" x2="${q.px}" y2="${q.py}" stroke="#111" stroke-width="2" stroke-dasharray="6 4"/>${dot(p, "A")}${dot(q, "B")}`;
  }

  // "(here 0.089 ± 0.003; the score, estimated apart: 0.081 ± 0.003)": the identity, measured on this stop.
  holesMeanText() {
    const t = this.stop && this.stop.summary.text;
    if (!t || !t.holes_mean) return "";
    return ` (here ${t.holes_mean}; the score, estimated apart from the map: ${t.completeness})`;
  }
  showHoleKey() {
    this.holeKey.textContent = this.holesMode === "log"
      ? "Red: the prior has more mass than the codes (holes); blue: codes pile up; clear: as much of each. Drawn over [-4, 4]², which holds all but 0.013% of the prior's mass."
      : `Red: prior mass with no code (share 0); clear: covered (share 1). Its average under the prior is the completeness score${this.holesMeanText()}. Drawn over [-4, 4]², which holds all but 0.013% of the prior's mass.`;
  }

  // The class-mix card: what the decoded prior draws are, against the data (labelled data only).
  showMix(s) {
    const mix = s.class_mix, data = s.data_class_mix;
    const t = s.text || {};
    if (s.sample_precision == null && !mix) { this.mixBox.style.display = "none"; return; }
    this.mixBox.style.display = "";
    const names = (this.c.grid && this.c.grid.style && this.c.grid.style.label_names) || {};
    let rows = "";
    if (mix && data) {
      const top = Math.max(...mix, ...data, 1e-9);
      const cls = s.classes || mix.map((_, i) => i);
      rows = mix.map((v, i) => `<div class="lc-mixrow"><span>${escapeHtml(names[String(cls[i])] ?? String(cls[i]))}</span>
        <div class="lc-mixbars"><i style="width:${(100 * v) / top}%;background:${labelColor(mix.length, i)}"></i><i class="lc-data" style="width:${(100 * data[i]) / top}%"></i></div>
        <em>${pct(v)}</em></div>`).join("");
    }
    this.mixBox.innerHTML = `
      <div class="lc-lhead">What the prior's draws decode to</div>
      <div class="lc-mixcols"><div>
      ${mix ? `<div class="lc-lnote">Colour: the share of decoded prior draws z ~ N(0, I) that a classifier${t.accuracy ? ` (${escapeHtml(t.accuracy)} right on held-out real images; decoded means are blurrier, so read it as the classifier's reading)` : ""} puts in each class; outline: the data's own share.</div>${rows}` : ""}
      </div><div>
      <div class="lc-mgrid lc-pr">
        <div title="Share of decoded prior draws that land among the model's own reconstructions of held-out images (improved precision, Kynkaanniemi et al. 2019): do samples look like what real data decodes to?"><small>Precision</small><b>${escapeHtml(t.precision || pct(s.sample_precision))}</b></div>
        <div title="Share of the model's reconstructions of held-out images that have a decoded prior draw that near (improved recall, Kynkaanniemi et al. 2019): do samples reach every kind of real image?"><small>Recall</small><b>${escapeHtml(t.recall || pct(s.sample_recall))}</b></div>
      </div>
      ${t.samples ? `<div class="lc-lnote">${escapeHtml(t.samples)}</div>` : ""}
      <div class="lc-lnote lc-lesson-line">At β = 0 (the slider's left end) most draws still decode like real data. What goes wrong there is where they land: between the codes, so some classes come out far too often, others hardly ever, and part of the data is never reached.</div>
      </div></div>`;
  }

  destroy() { this.path.remove(); }
}
