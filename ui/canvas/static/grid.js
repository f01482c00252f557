// The beta grid: every grid model's decoder and encoded layout, fetched once as binary safetensors files
// (the browser caches them), aligned by each stop's signed permutation, ready to switch between in a frame.
import { MLP, STORE } from "./data.js";

const DTYPES = { F32: Float32Array, I32: Int32Array, F64: Float64Array };

// A safetensors file -> {tensors: {name: {shape, data}}, metadata}. Views share the buffer when aligned.
export function parseSafetensors(buf) {
  const n = Number(new DataView(buf).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n)));
  const base = 8 + n, tensors = {};
  for (const [name, t] of Object.entries(header)) {
    const T = DTYPES[t.dtype];
    if (name === "__metadata__" || !T) continue;
    const [a, b] = t.data_offsets, off = base + a, count = (b - a) / T.BYTES_PER_ELEMENT;
    const data = off % T.BYTES_PER_ELEMENT === 0 ? new T(buf, off, count) : new T(buf.slice(off, base + b));
    tensors[name] = { shape: t.shape, data };
  }
  return { tensors, metadata: header.__metadata__ || {} };
}

// rows (n*k, row-major) @ P (k x k) -> new Float32Array; abs: use |P| (log-variances follow axes, not signs).
function times(rows, k, P, abs) {
  const n = rows.length / k, out = new Float32Array(rows.length);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) { const p = abs ? Math.abs(P[i][j]) : P[i][j]; if (p) s += rows[r * k + i] * p; }
      out[r * k + j] = s;
    }
  }
  return out;
}

async function fetchTensors(url) {
  const held = STORE.files && STORE.files.get(url);
  if (held) return held;
  const r = await fetch(new URL(url, window.location.href).href);
  if (!r.ok) throw new Error(`could not fetch ${url}: HTTP ${r.status}`);
  return parseSafetensors(await r.arrayBuffer()).tensors;
}

// One stop: {index (its place in the grid), beta, summary, mlp, mu (n*k), logvar (n*k) | null, labels | null, color | null, n, k}.
async function loadStop(s, dec, index) {
  const [ck, lay] = await Promise.all([fetchTensors(s.checkpoint), fetchTensors(s.layout)]);
  const k = dec.latent_dim, P = s.perm;
  let first = true;
  const ops = dec.ops.map((op) => {
    if (op.op !== "linear") return op;
    const W = ck[op.param + ".weight"], bias = ck[op.param + ".bias"];
    if (!W || !bias) throw new Error(`the checkpoint has no ${op.param}.weight / .bias`);
    // The first layer takes aligned z' back to the model's z: W' = W P (align.apply_signed_permutation).
    const w = first ? times(W.data, k, P, false) : W.data;
    first = false;
    return { ...op, W: w, b: bias.data };
  });
  const mu = lay.mu.data;
  return {
    index, beta: s.beta, summary: s.summary, k, n: mu.length / k,
    mlp: new MLP({ ops }),
    mu: times(mu, k, P, false),
    logvar: lay.logvar ? times(lay.logvar.data, k, P, true) : null,
    labels: lay.labels ? lay.labels.data : null,
    color: lay.color ? lay.color.data : null,
    perm: P,
    // Where prior mass finds no code (layout format 2, 2-D codes only): holes.js aligns and draws them.
    holesRaw: lay.holes_share ? { share: lay.holes_share.data, log: lay.holes_log_ratio ? lay.holes_log_ratio.data : null,
      n: lay.holes_share.shape[1], extent: s.summary.holes_extent || [-4, 4], clip: s.summary.holes_log_ratio_clip } : null,
    density: new Map(), // dims/limit key -> density grid, computed on first use
  };
}

// Start fetching every stop, the wanted one first; returns one promise per stop (kept in the blob).
export function loadGrid(grid, first) {
  if (!grid.loaded) {
    const order = grid.stops.map((_, i) => i).sort((a, b) => (a === first ? -1 : b === first ? 1 : 0));
    const loaded = new Array(grid.stops.length);
    for (const i of order) loaded[i] = loadStop(grid.stops[i], grid.decoder, i);
    grid.loaded = loaded;
    grid.ready = new Array(grid.stops.length).fill(null);
    loaded.forEach((p, i) => p.then((s) => { grid.ready[i] = s; }, () => {}));
  }
  return grid.loaded;
}

// The aggregate posterior q(z) = mean_i N(z; mu_i, diag sigma_i^2) in the plotted dims on an m x m grid
// over [-lim, lim]^2 (the other dims integrated out), from at most 2,000 of the codes (evenly spaced).
export function density(stop, dims, lim, m = 60) {
  const key = `${dims}|${lim.toFixed(2)}|${m}`;
  if (stop.density.has(key)) return stop.density.get(key);
  const k = stop.k, step = Math.max(1, Math.floor(stop.n / 2000)), xs = new Float32Array(m), z = new Float32Array(m * m);
  for (let i = 0; i < m; i++) xs[i] = -lim + (2 * lim * i) / (m - 1);
  let count = 0;
  const ex = new Float64Array(m), ey = new Float64Array(m);
  for (let r = 0; r < stop.n; r += step, count++) {
    const mx = stop.mu[r * k + dims[0]], my = stop.mu[r * k + dims[1]];
    const vx = Math.exp(stop.logvar[r * k + dims[0]]), vy = Math.exp(stop.logvar[r * k + dims[1]]);
    const cx = 1 / (2 * Math.PI * Math.sqrt(vx * vy));
    for (let i = 0; i < m; i++) { const d = xs[i] - mx; ex[i] = Math.exp((-d * d) / (2 * vx)); const e = xs[i] - my; ey[i] = Math.exp((-e * e) / (2 * vy)); }
    for (let j = 0; j < m; j++) { const w = cx * ey[j]; if (w < 1e-12) continue; for (let i = 0; i < m; i++) z[j * m + i] += w * ex[i]; }
  }
  for (let i = 0; i < z.length; i++) z[i] /= count;
  const out = { nx: m, ny: m, xs, ys: xs, z };
  stop.density.set(key, out);
  return out;
}
