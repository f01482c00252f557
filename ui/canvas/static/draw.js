// Drawing the decoded output: a grey image (and the thumbnail that follows the mouse) for image data, or
// bars in data units for points of a low-dimensional data space.
import { PLOTLY_COLORS } from "./plot.js";

const CMAPS = { gray: (v) => v, gray_r: (v) => 1 - v };

export class OutputView {
  constructor(img, bars, thumb) {
    this.img = img;           // <canvas> of the decoded image, beside the plot
    this.bars = bars;         // <canvas> of the decoded point's coordinates (non-image data)
    this.thumb = thumb;       // <canvas> thumbnail that follows the mouse over the plot
    this.light = null;        // the render's small settings (image_shape, cmap, out_mean, ...)
    this.outDim = 0;
    this.out = null;          // Float64Array(outDim): the decoder writes here every frame
    this.imgData = null;
    this.ctx = null;
    this.tctx = null;
    this.bctx = null;
    this.barW = 0;
    this.barH = 0;
    this.barMin = 0;          // the bars' axis covers every value seen so far, so bars keep their scale
    this.barMax = 0;
    this.sideW = 244;
  }

  setup(light, outDim) {
    this.light = light;
    this.outDim = outDim;
    this.out = new Float64Array(outDim);
    const shape = light.image_shape;
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
    this.size(this.sideW);
  }

  size(sideW) {
    this.sideW = sideW;
    if (!this.light) return;
    const box = sideW - 16, shape = this.light.image_shape;
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

  // x: decoded output (outDim); mouse: [clientX, clientY] to place the thumbnail, or null to hide it;
  // plotRect: the plot element's bounding box.
  draw(x, mouse, plotRect) {
    if (!this.light.image_shape) { this.drawBars(x); return; }
    const px = this.imgData.data, n = this.outDim, cm = CMAPS[this.light.cmap] || CMAPS.gray;
    for (let i = 0; i < n; i++) {
      let v = x[i]; v = v < 0 ? 0 : v > 1 ? 1 : v;
      const g = Math.round(255 * cm(v)), j = 4 * i;
      px[j] = g; px[j + 1] = g; px[j + 2] = g; px[j + 3] = 255;
    }
    this.ctx.putImageData(this.imgData, 0, 0);
    if (!mouse) return;
    this.tctx.putImageData(this.imgData, 0, 0);
    this.thumb.style.display = "block";
    const lx = mouse[0] - plotRect.left, ly = mouse[1] - plotRect.top;
    const tw = this.thumb.offsetWidth || 64;
    const left = lx + 14 + tw > plotRect.width ? lx - 14 - tw : lx + 14;
    this.thumb.style.transform = `translate(${left}px, ${ly + 14}px)`;
  }
  hideThumb() { this.thumb.style.display = "none"; }

  drawBars(x) {
    const L = this.light, c = this.bctx, W = this.barW, H = this.barH, n = this.outDim;
    const mean = L.out_mean, scale = L.out_scale;
    const v = new Array(n);
    for (let i = 0; i < n; i++) v[i] = mean ? x[i] * scale[i] + mean[i] : x[i];
    for (const a of v) { this.barMax = Math.max(this.barMax, a); this.barMin = Math.min(this.barMin, a); }
    const lo = this.barMin, hi = this.barMax, span = hi - lo || 1;
    c.clearRect(0, 0, W, H);
    const top = 8, bottom = H - 26, yOf = (a) => bottom - ((a - lo) / span) * (bottom - top), mid = yOf(0);
    const bw = Math.min(48, (W - 16) / n - 6);
    c.strokeStyle = "#bbb"; c.beginPath(); c.moveTo(4, mid); c.lineTo(W - 4, mid); c.stroke();
    c.font = "11px sans-serif"; c.textAlign = "center";
    // Each label must fit its bar's slot, or neighbours run together ("-0.0207-0.0560.131"): fewer digits first,
    // then a name cut to fit with an ellipsis; a label that still does not fit is left out.
    const slot = (W - 16) / n - 4;
    const fits = (t) => c.measureText(t).width <= slot;
    const numText = (a) => [3, 2, 1].map((p) => Number(a.toPrecision(p)).toString()).find(fits);
    const nameText = (t) => {
      if (fits(t)) return t;
      for (let k = t.length - 1; k >= 1; k--) if (fits(t.slice(0, k) + "…")) return t.slice(0, k) + "…";
      return undefined;
    };
    for (let i = 0; i < n; i++) {
      const cx = 8 + (i + 0.5) * ((W - 16) / n), y = yOf(v[i]);
      c.fillStyle = PLOTLY_COLORS[i % 10];
      c.fillRect(cx - bw / 2, Math.min(y, mid), bw, Math.max(1, Math.abs(mid - y)));
      if (n <= 12) {
        c.fillStyle = "#333";
        const name = nameText((L.out_names && L.out_names[i]) || `x${i + 1}`), num = numText(v[i]);
        if (name) c.fillText(name, cx, H - 13);
        if (num) c.fillText(num, cx, H - 1);
      }
    }
  }
}
