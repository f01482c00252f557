// The draw pad: pointer strokes (mouse, pen, finger) on a square pad, undo and clear, and a live view of the
// image the model sees. toImage() is vae_core/drawing.py's to_image step for step (same float64 operations
// in the same order, integer pad points), so the preview is the page's model input bit for bit; the
// strokes go to Python when a stroke ends, and Python encodes its own to_image of them.

const PAD = 256; // pad units, as vae_core.drawing.PAD_SIZE (sent in data.pad_size)
const STORE = (window.__vaeDrawpads = window.__vaeDrawpads || new Map());

function segments(strokes, box, r) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const s of strokes) for (const [x, y] of s) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  const ext = Math.max(x1 - x0, y1 - y0, 1.0);
  const sc = (box - 2.0 * r) / ext;
  const cx = (x0 + x1) / 2.0, cy = (y0 + y1) / 2.0;
  const segs = [];
  for (const s of strokes) {
    const q = s.map(([x, y]) => [(x - cx) * sc + box / 2.0, (y - cy) * sc + box / 2.0]);
    if (q.length === 1) q.push(q[0]);
    for (let i = 0; i + 1 < q.length; i++) segs.push([q[i][0], q[i][1], q[i + 1][0], q[i + 1][1]]);
  }
  return segs;
}

// Ink samples per pixel (box x box, row-major), as drawing.coverage.
function coverage(segs, r, box, S) {
  const n = box * S, ink = new Uint8Array(n * n), r2 = r * r;
  for (const [ax, ay, bx, by] of segs) {
    const loX = Math.max(0, Math.floor((Math.min(ax, bx) - r) * S) - 1);
    const hiX = Math.min(n - 1, Math.ceil((Math.max(ax, bx) + r) * S) + 1);
    const loY = Math.max(0, Math.floor((Math.min(ay, by) - r) * S) - 1);
    const hiY = Math.min(n - 1, Math.ceil((Math.max(ay, by) + r) * S) + 1);
    const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    for (let k = loY; k <= hiY; k++) {
      const py = (k + 0.5) / S;
      for (let l = loX; l <= hiX; l++) {
        const px = (l + 0.5) / S;
        let t = 0;
        if (l2 > 0) { t = ((px - ax) * dx + (py - ay) * dy) / l2; t = t < 0 ? 0 : (t > 1 ? 1 : t); }
        const ex = px - (ax + t * dx), ey = py - (ay + t * dy);
        if (ex * ex + ey * ey <= r2) ink[k * n + l] = 1;
      }
    }
  }
  const cov = new Int32Array(box * box);
  for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) cov[Math.floor(k / S) * box + Math.floor(l / S)] += ink[k * n + l];
  return cov;
}

// The model's input as integer levels (out x out) and the number of levels: value = level / levels.
export function toImage(strokes, st) {
  let best = null;
  for (const r of st.radii) {
    const cov = coverage(segments(strokes, st.box, r), r, st.box, st.samples);
    let sum = 0;
    for (const v of cov) sum += v;
    const miss = st.ink === null ? 0 : Math.abs(sum - st.ink);
    if (best === null || miss < best.miss) best = { miss, cov };
  }
  let cov = best.cov, side = st.box;
  const levels = st.samples * st.samples * st.block * st.block;
  if (st.block > 1) {
    const k = st.box / st.block, out = new Int32Array(k * k);
    for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) out[Math.floor(i / st.block) * k + Math.floor(j / st.block)] += cov[i * side + j];
    cov = out; side = k;
  }
  const img = new Int32Array(st.out * st.out);
  let oy = 0, ox = 0;
  if (side !== st.out) {
    let total = 0, sy = 0, sx = 0;
    const rows = new Float64Array(side), cols = new Float64Array(side);
    for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) { rows[i] += cov[i * side + j]; cols[j] += cov[i * side + j]; total += cov[i * side + j]; }
    for (let i = 0; i < side; i++) { sy += rows[i] * (i + 0.5); sx += cols[i] * (i + 0.5); }
    oy = Math.floor(st.out / 2.0 - sy / total + 0.5);
    ox = Math.floor(st.out / 2.0 - sx / total + 0.5);
  }
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
    const y = i + oy, x = j + ox;
    if (y >= 0 && y < st.out && x >= 0 && x < st.out) img[y * st.out + x] = cov[i * side + j];
  }
  return { levels: Array.from(img), scale: levels };
}

function el(tag, attrs, parent) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

class Pad {
  constructor(root) {
    this.root = root;
    this.strokes = [];
    this.current = null;
    this.seq = 0;
    root.className = "vae-drawpad";
    root.dataset.testid = "drawpad";
    root.setAttribute("data-testid", "drawpad");
    const row = el("div", { style: "display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap" }, root);
    const left = el("div", {}, row);
    this.pad = el("canvas", {
      "aria-label": "Draw a digit here with the mouse, a pen or a finger",
      role: "img",
      style: "touch-action:none;border:1px solid rgba(49,51,63,0.3);border-radius:6px;background:#fff;cursor:crosshair;display:block",
    }, left);
    const btns = el("div", { style: "display:flex;gap:6px;margin-top:6px" }, left);
    const bstyle = "font:inherit;font-size:0.85rem;padding:2px 10px;border:1px solid rgba(49,51,63,0.3);border-radius:6px;background:#fff;cursor:pointer";
    this.undoBtn = el("button", { type: "button", style: bstyle }, btns);
    this.undoBtn.textContent = "Undo";
    this.clearBtn = el("button", { type: "button", style: bstyle }, btns);
    this.clearBtn.textContent = "Clear";
    const right = el("div", {}, row);
    this.view = el("canvas", { "data-testid": "drawpad-view", role: "img", style: "image-rendering:pixelated;border:1px solid rgba(49,51,63,0.3);border-radius:6px;display:block" }, right);
    this.caption = el("div", { style: "font-size:0.8rem;opacity:0.8;margin-top:4px;max-width:96px;line-height:1.3" }, right);
    this.pad.addEventListener("pointerdown", (e) => this.down(e));
    this.pad.addEventListener("pointermove", (e) => this.move(e));
    for (const t of ["pointerup", "pointercancel"]) this.pad.addEventListener(t, (e) => this.up(e));
    this.undoBtn.addEventListener("click", () => { this.strokes.pop(); this.changed(); });
    this.clearBtn.addEventListener("click", () => { this.strokes = []; this.changed(); });
  }

  update(data, api) {
    this.api = api;
    this.style = data.style;
    this.pen = data.pen;
    const px = data.size_px;
    if (this.size !== px) {
      this.size = px;
      const dpr = window.devicePixelRatio || 1;
      this.pad.width = Math.round(px * dpr);
      this.pad.height = Math.round(px * dpr);
      this.pad.style.width = this.pad.style.height = `${px}px`;
    }
    const [h, w] = data.image_shape;
    this.view.width = w; this.view.height = h;
    const vpx = Math.round(px * 0.44);
    this.view.style.width = this.view.style.height = `${vpx}px`;
    this.caption.textContent = `what the model sees: ${w}x${h}, ${data.caption}`;
    // Python's copy wins only when it is newer (a rerun after this pad sent its own drawing is not).
    if (data.seq > this.seq || (this.seq === 0 && this.strokes.length === 0)) {
      this.strokes = (data.strokes || []).map((s) => s.map((p) => [p[0], p[1]]));
      this.seq = data.seq || 0;
    }
    this.redraw();
    this.preview();
  }

  point(e) {
    const b = this.pad.getBoundingClientRect();
    const f = (v, lo, len) => Math.min(PAD, Math.max(0, Math.round(((v - lo) / len) * PAD)));
    return [f(e.clientX, b.left, b.width), f(e.clientY, b.top, b.height)];
  }

  down(e) {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    try { this.pad.setPointerCapture(e.pointerId); } catch (err) { /* a synthetic event has no live pointer */ }
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.redraw();
  }

  move(e) {
    if (!this.current) return;
    e.preventDefault();
    const evs = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of evs.length ? evs : [e]) {
      const p = this.point(ev), q = this.current[this.current.length - 1];
      // Points closer than 2 pad units add nothing visible and cost time in both implementations.
      if ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 >= 4) this.current.push(p);
    }
    this.redraw();
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.preview(); });
  }

  up(e) {
    if (!this.current) return;
    this.current = null;
    if (this.pad.hasPointerCapture(e.pointerId)) this.pad.releasePointerCapture(e.pointerId);
    this.changed();
  }

  changed() {
    let n = 0;
    for (const s of this.strokes) n += s.length;
    if (this.strokes.length > this.style.max_strokes || n > this.style.max_points) {
      this.strokes.pop(); // the limits of vae_core.drawing.check_strokes: refuse the stroke here already
      this.caption.textContent = "That is the most this pad takes: undo or clear.";
    }
    this.seq += 1;
    this.redraw();
    this.preview();
    this.root.dataset.strokes = JSON.stringify(this.strokes);
    this.api.setStateValue("drawing", { strokes: this.strokes, seq: this.seq });
  }

  redraw() {
    const c = this.pad.getContext("2d"), k = this.pad.width / PAD;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = "#fff";
    c.fillRect(0, 0, this.pad.width, this.pad.height);
    c.setTransform(k, 0, 0, k, 0, 0);
    c.strokeStyle = "#111"; c.fillStyle = "#111";
    c.lineCap = "round"; c.lineJoin = "round"; c.lineWidth = this.pen;
    for (const s of this.strokes) {
      c.beginPath();
      c.moveTo(s[0][0], s[0][1]);
      if (s.length === 1) c.lineTo(s[0][0] + 0.01, s[0][1]);
      for (const p of s.slice(1)) c.lineTo(p[0], p[1]);
      c.stroke();
    }
    this.undoBtn.disabled = this.clearBtn.disabled = this.strokes.length === 0;
  }

  preview() {
    const c = this.view.getContext("2d"), w = this.view.width, h = this.view.height;
    const im = c.createImageData(w, h);
    let img = null;
    if (this.strokes.length) img = toImage(this.strokes, this.style);
    for (let i = 0; i < w * h; i++) {
      const g = img ? 255 - Math.round((255 * img.levels[i]) / img.scale) : 255; // dark ink on white
      im.data[4 * i] = im.data[4 * i + 1] = im.data[4 * i + 2] = g;
      im.data[4 * i + 3] = 255;
    }
    c.putImageData(im, 0, 0);
    this.root.dataset.image = img ? JSON.stringify(img.levels) : "";
    this.root.dataset.scale = img ? String(img.scale) : "";
    this.root.dataset.strokes = JSON.stringify(this.strokes);
    this.root.dataset.seq = String(this.seq);
  }
}

export default function (component) {
  const { parentElement, data } = component;
  if (!data) return;
  let inst = STORE.get(data.key);
  if (!inst || inst.parent !== parentElement || !inst.root.isConnected) {
    const root = document.createElement("div");
    parentElement.appendChild(root);
    inst = new Pad(root);
    inst.parent = parentElement;
    STORE.set(data.key, inst);
  }
  inst.update(data, component);
}
