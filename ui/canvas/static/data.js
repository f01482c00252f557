// Wire format and decoder: base64 arrays from Python, the page-wide blob store, and the MLP decoder.
//
// Heavy data (points, overlays, decoder weights) arrives once per content hash and is kept in a page-wide
// store (it survives Streamlit re-mounting the element), so later renders carry only the hashes.

// files: data files held in the page itself (the standalone page's decoders and layouts), by the URL that
// names them in a grid manifest, as {tensor name: {shape, data}}; grid.js reads them instead of fetching.
export const STORE = (window.__lcStore = window.__lcStore || { blobs: new Map(), seq: {}, instances: new Map(), files: new Map() });
const MAX_BLOBS = 12;

export function b64bytes(s) {
  const bin = atob(s);
  const n = bin.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
  return out;
}
export function f32(s) {
  if (s == null) return null;
  const u = b64bytes(s);
  return new Float32Array(u.buffer, 0, u.length >> 2);
}
export function i32(s) {
  if (s == null) return null;
  const u = b64bytes(s);
  return new Int32Array(u.buffer, 0, u.length >> 2);
}

export function putBlob(hash, value) {
  STORE.blobs.delete(hash);
  STORE.blobs.set(hash, value);
  while (STORE.blobs.size > MAX_BLOBS) STORE.blobs.delete(STORE.blobs.keys().next().value);
}
export function getBlob(hash) {
  const v = STORE.blobs.get(hash);
  if (v !== undefined) { STORE.blobs.delete(hash); STORE.blobs.set(hash, v); }
  return v;
}

// Decode the wire format of each blob kind into typed arrays (done once per hash).
export function unpack(kind, p) {
  if (kind === "model") return p.supported ? { ...p, mlp: new MLP({ ops: wireOps(p) }) } : { ...p, mlp: null };
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
  if (kind === "grid") return { ...p, loaded: null }; // grid.js fetches its files on first use
  return p;
}

// The decoder payload's ops with base64 weights -> the same ops with Float32Arrays.
function wireOps(p) {
  return p.ops.map((op) => (op.op === "linear" ? { ...op, W: f32(op.W), b: f32(op.b) } : op));
}

// The elementwise operations a decoder's op list may name: every hidden-layer activation of
// vae_core.model.ACTIVATIONS and every link of vae_core.densities.LINKS (tests/test_js_parity.py checks
// each against torch).
const ELEMENTWISE = {
  relu: (v) => (v < 0 ? 0 : v),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  cb_mean: (v) => cbMean(v),
  identity: (v) => v,
};

// The decoder as vae_core.model.decoder_ops lists it, executed in order: {op: "linear", in, out, W: Float32Array
// (out*in, row-major as torch stores it), b: Float32Array (out)} computes y = W x + b, any other op applies
// ELEMENTWISE[op] to each value. Accumulating in float64 makes the result at least as accurate as torch's
// float32 GEMM; inputs that are exactly 0 (after a ReLU) are skipped.
export class MLP {
  constructor(spec) {
    this.ops = spec.ops.map((op) => {
      if (op.op !== "linear") {
        const f = ELEMENTWISE[op.op];
        if (!f) throw new Error(`the decoder uses "${op.op}", which this page cannot run`);
        return { f };
      }
      const W = op.W, nin = op.in, nout = op.out;
      const Wt = new Float32Array(nin * nout); // (in, out): a contiguous axpy per input unit
      for (let o = 0; o < nout; o++) for (let i = 0; i < nin; i++) Wt[i * nout + o] = W[o * nin + i];
      return { Wt, b: op.b, nin, nout, y: new Float64Array(nout) };
    });
    const lin = this.ops.filter((o) => o.Wt);
    this.inDim = lin[0].nin;
    this.outDim = lin[lin.length - 1].nout;
    this.macs = lin.reduce((s, l) => s + l.nin * l.nout, 0);
  }
  decode(z, out) {
    let x = z;
    for (const op of this.ops) {
      if (op.f) {
        if (x === z) x = Float64Array.from(z); // never write into the caller's z
        for (let o = 0; o < x.length; o++) x[o] = op.f(x[o]);
        continue;
      }
      const { Wt, b, nin, nout, y } = op;
      for (let o = 0; o < nout; o++) y[o] = b[o];
      for (let i = 0; i < nin; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        const off = i * nout;
        for (let o = 0; o < nout; o++) y[o] += xi * Wt[off + o];
      }
      x = y;
    }
    out = out || new Float64Array(this.outDim);
    for (let o = 0; o < this.outDim; o++) out[o] = x[o];
    return out;
  }
}

// Mean of the continuous Bernoulli with logits eta (vae_core.densities.cb_mean): 1/2 + coth(eta/2)/2 - 1/eta,
// by its series 1/2 + eta/12 - eta^3/720 + eta^5/30240 near 0 where the closed form cancels.
function cbMean(eta) {
  if (Math.abs(eta) < 0.1) { const e2 = eta * eta; return 0.5 + eta * (1 / 12 - e2 / 720 + (e2 * e2) / 30240); }
  return 0.5 + 0.5 / Math.tanh(0.5 * eta) - 1 / eta;
}

// For tests: decode with a decoder payload (as ui.canvas.payload.decoder_payload_of builds it), no widget.
export function decodeWithPayload(payload, zs) {
  const m = new MLP({ ops: wireOps(payload) });
  return zs.map((z) => Array.from(m.decode(Float64Array.from(z))));
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
