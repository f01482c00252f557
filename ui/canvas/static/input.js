// Input: the mouse over the plot (hover, click, double-click to reset the zoom) and one slider per latent
// dimension. These classes only interpret gestures; the canvas decides what they change.
import { escapeHtml } from "./data.js";

function fmt(v) { return (v >= 0 ? "\u2007" : "") + v.toFixed(2); }

// handlers: {hover(zxy, mouse), leave(), click(zxy, timeStamp), resetZoom(), fromClient(cx, cy) -> [zx, zy] | null}
export class PointerInput {
  constructor(plotEl, handlers) {
    this.plotEl = plotEl;
    this.h = handlers;
    this.down = null;       // where and when the left button went down (a click is a short, still press)
    this.lastClick = null;  // the previous click, to tell a double-click at the same spot
    this.onMove = (e) => this.move(e);
    this.onLeave = () => this.h.leave();
    this.onDown = (e) => { if (e.button === 0) this.down = { x: e.clientX, y: e.clientY, t: performance.now() }; };
    this.onUp = (e) => this.up(e);
    plotEl.addEventListener("mousemove", this.onMove);
    plotEl.addEventListener("mouseleave", this.onLeave);
    plotEl.addEventListener("mousedown", this.onDown, true);
    window.addEventListener("mouseup", this.onUp, true);
  }
  destroy() { window.removeEventListener("mouseup", this.onUp, true); }

  move(e) {
    const zz = this.h.fromClient(e.clientX, e.clientY);
    if (!zz) { this.h.leave(); return; }
    this.h.hover(zz, [e.clientX, e.clientY]);
  }
  up(e) {
    const dn = this.down;
    this.down = null;
    if (!dn || e.button !== 0) return;
    if (Math.hypot(e.clientX - dn.x, e.clientY - dn.y) > 4 || performance.now() - dn.t > 1000) return; // a drag (zoom)
    const zz = this.h.fromClient(e.clientX, e.clientY);
    if (!zz) return;
    const now = performance.now(), lc = this.lastClick;
    // A double-click (same spot) resets the zoom; its second click is not a new request.
    if (lc && now - lc.t < 350 && Math.hypot(e.clientX - lc.x, e.clientY - lc.y) < 5) {
      this.lastClick = null;
      this.h.resetZoom();
      return;
    }
    this.lastClick = { t: now, x: e.clientX, y: e.clientY };
    this.h.click(zz, e.timeStamp);
  }
}

// One range input per latent dimension. onInput(i, value) while dragging, onRelease() when let go.
export class LatentSliders {
  constructor(box, onInput, onRelease) {
    this.box = box;
    this.onInput = onInput;
    this.onRelease = onRelease;
    this.rows = [];
  }
  build(light, z) {
    const box = this.box, d = light.latent_dim, [lo, hi] = light.slider_range;
    box.innerHTML = "";
    this.rows = [];
    for (let i = 0; i < d; i++) {
      const row = document.createElement("label");
      row.className = "lc-slider" + (light.dims.includes(i) ? " lc-plotted" : "");
      const name = light.dim_names[i];
      row.innerHTML = `<span class="lc-sname">${escapeHtml(name)}</span><input type="range" min="${lo}" max="${hi}" step="0.01"><span class="lc-sval"></span>`;
      const input = row.querySelector("input"), val = row.querySelector(".lc-sval");
      input.setAttribute("aria-label", `latent ${name}`);
      input.dataset.dim = String(i);
      input.addEventListener("input", () => {
        const v = parseFloat(input.value);
        val.textContent = fmt(v);
        this.onInput(i, v);
      });
      input.addEventListener("change", () => this.onRelease());
      box.appendChild(row);
      this.rows.push({ input, val });
    }
    this.sync(z);
  }
  sync(z) {
    this.rows.forEach((s, i) => { s.input.value = String(z[i]); s.val.textContent = fmt(z[i]); });
  }
}
