// The holes layer: where the prior's mass finds no code. Each stop's layout carries, on a 48 x 48 grid over
// [-4, 4]^2 of its own latent axes (vae_core.layouts, format 2), the share min(1, q(z)/p(z)) of the prior's
// density that the aggregate posterior q matches, and log q(z)/p(z). The prior-weighted mean of the share is
// the completeness score (Scheffe's identity). Here the grids are turned into the slider's aligned axes and
// drawn as a heatmap under the points; a stop change restyles it, with no script run.

export const HOLE_MODES = {
  share: { label: "share min(1, q/p)", zmin: 0, zmax: 1,
    // 0 (a hole) is strong, 1 (covered) is clear: the holes stand out.
    colorscale: [[0, "rgba(214,39,40,0.42)"], [0.5, "rgba(244,109,67,0.22)"], [1, "rgba(255,255,255,0)"]] },
  log: { label: "log q/p", zmin: -10, zmax: 10, // the layout's clip (summary.holes_log_ratio_clip) wins
    // Symmetric: red where the prior has more mass than the codes (holes), blue where codes pile up.
    colorscale: [[0, "rgba(178,24,43,0.5)"], [0.5, "rgba(255,255,255,0)"], [1, "rgba(33,102,172,0.45)"]] },
};

// A stop's holes grids in aligned axes, or null when its layout has none (latent_dim != 2, or an older
// layout). stop.holesRaw: {share, log, n, extent} as grid.js read it; stop.perm: its signed permutation.
// Aligned z' = z P, so the model's axis i carries aligned axis j with P[i][j] = +-1; a sign flips that
// axis of the grid (it is symmetric about 0, so index t maps to n - 1 - t).
export function holesOf(stop) {
  if (stop.holes !== undefined) return stop.holes;
  const raw = stop.holesRaw;
  if (!raw || stop.k !== 2) return (stop.holes = null);
  const n = raw.n, P = stop.perm, [lo, hi] = raw.extent;
  const src = [0, 1].map((i) => { const j = P[i][0] !== 0 ? 0 : 1; return { j, flip: P[i][j] < 0 }; });
  const align = (A) => {
    if (!A) return null;
    const out = new Float32Array(n * n), a = [0, 0];
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        a[0] = c; a[1] = r; // aligned (z1', z2') grid indices
        const i1 = src[0].flip ? n - 1 - a[src[0].j] : a[src[0].j];
        const i2 = src[1].flip ? n - 1 - a[src[1].j] : a[src[1].j];
        out[r * n + c] = A[i2 * n + i1]; // row = z2, column = z1, as stored
      }
    }
    return out;
  };
  const xs = new Float32Array(n);
  for (let t = 0; t < n; t++) xs[t] = lo + ((hi - lo) * (t + 0.5)) / n; // cell centres
  return (stop.holes = { n, xs, share: align(raw.share), log: align(raw.log), clip: raw.clip });
}

// A plotly heatmap of the stop's holes in `mode` ("share" or "log"); null when the stop has none.
export function holesTrace(stop, mode) {
  const h = holesOf(stop), m = HOLE_MODES[mode] || HOLE_MODES.share;
  const A = h && (mode === "log" ? h.log : h.share);
  if (!A) return null;
  const z = [];
  for (let r = 0; r < h.n; r++) z.push(Array.from(A.subarray(r * h.n, (r + 1) * h.n)));
  return {
    type: "heatmap", x: Array.from(h.xs), y: Array.from(h.xs), z, zsmooth: false,
    zmin: mode === "log" && h.clip ? h.clip[0] : m.zmin, zmax: mode === "log" && h.clip ? h.clip[1] : m.zmax,
    colorscale: m.colorscale, showscale: false, hoverinfo: "skip", name: "holes: " + m.label, showlegend: true,
  };
}
