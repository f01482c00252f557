"""Layout checks run inside the page (browser tests): clipped formulas, cut or overlapping plot text, images
whose pixels are not square. `LAYOUT_JS` returns a list of human-readable problems; [] means clean.

What counts (all measured on visible elements only, in CSS pixels, 1.5 px tolerance for sub-pixel rounding):
- KaTeX: a formula's scrollWidth exceeds its container's clientWidth (the end of the formula is cut off).
- plotly: a figure title, subplot title, axis title or annotation reaches outside the figure, or overlaps the
  legend; two text labels of points overlap each other.
- text cut short: an element of the page (main area or sidebar) whose text is cut with an ellipsis
  (text-overflow: ellipsis and scrollWidth > clientWidth), such as a metric, a widget's label or value, a
  button or a tab; a plotly legend entry reaching outside its figure.
- text over text: two runs of text on the page (HTML text, each KaTeX formula as one box, the text of the
  latent canvas and the draw pad) whose glyph boxes overlap, or a run of text over a picture outside plotly
  (the draw pad, a decoded image). Only the middle of each line box counts (the top
  and bottom 25% are the font's ascent and descent padding, which neighbouring lines may share), and text in
  tooltips and popovers is not on the page until it opens.
- images of data: a plotly heatmap drawn without x/y coordinates (an image: one cell per pixel) whose rendered
  aspect ratio differs from columns/rows by more than 2%, or that reaches outside its plot area (cropped);
  an <img> or a <canvas> showing a decoded image whose rendered aspect differs from its own by more than 2%.
"""

LAYOUT_JS = r"""
() => {
  const TOL = 1.5, ASPECT = 0.02, out = [];
  const shown = el => {
    if (!el.isConnected) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    for (let e = el, prev = null; e && e.nodeType === 1; prev = e, e = e.parentElement) {
      // A closed <details> (a collapsed expander) lays out its content but does not draw it.
      if (e.tagName === 'DETAILS' && !e.open && prev && prev.tagName !== 'SUMMARY') return false;
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden') return false;
      if (e.getAttribute && e.getAttribute('hidden') !== null) return false;
    }
    return true;
  };
  const label = el => (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  const where = el => {
    const h = [...document.querySelectorAll('h1')].map(label)[0] || '?';
    const tab = document.querySelector('[data-testid="stTab"][aria-selected="true"]') ||
                document.querySelector('[role="radiogroup"][aria-label="Panel"] [data-selected="true"]');
    return h + (tab ? ' / ' + label(tab) : '');
  };
  const overlap = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > TOL &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > TOL;
  const inside = (a, b) =>
    a.left >= b.left - TOL && a.right <= b.right + TOL && a.top >= b.top - TOL && a.bottom <= b.bottom + TOL;
  // The part of the page an element can show: its ancestors that clip (overflow not visible) cut it down.
  const clipRect = el => {
    // hidden or clip cut for good; auto/scroll only scroll. Above the page's own scroll container the
    // viewport cuts vertically, which scrolling undoes, so only horizontal cuts count there.
    let r = {left: -1e9, right: 1e9, top: -1e9, bottom: 1e9}, scrolled = false;
    const cut = v => v === 'hidden' || v === 'clip';
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const b = e.getBoundingClientRect();
      if (cut(cs.overflowX)) r = {...r, left: Math.max(r.left, b.left), right: Math.min(r.right, b.right)};
      if (cut(cs.overflowY) && !scrolled) r = {...r, top: Math.max(r.top, b.top), bottom: Math.min(r.bottom, b.bottom)};
      if (cs.overflowY === 'auto' || cs.overflowY === 'scroll') scrolled = true;
    }
    return r;
  };

  // ---- KaTeX ----
  for (const k of document.querySelectorAll('.katex')) {
    if (!shown(k)) continue;
    const box = k.closest('.katex-display') || k.closest('[data-testid="stMarkdownContainer"]') || k.parentElement;
    // KaTeX pads stacked boxes (fractions, aligned lines) with a 2 px strut that sticks out by design.
    const need = Math.max(k.scrollWidth - 2, k.getBoundingClientRect().width);
    if (need > box.clientWidth + TOL)
      out.push(`${where(k)}: formula clipped (${Math.round(need)} px in ${box.clientWidth} px): ${label(k)}`);
  }

  // ---- plotly ----
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    if (!shown(gd) || !gd._fullLayout) continue;
    const svg = gd.querySelector('.main-svg');
    if (!svg) continue;
    const fig = svg.getBoundingClientRect(), seen = clipRect(gd);
    const t0 = gd.layout.title, name = String((t0 && t0.text) || t0 || '').replace(/<[^>]*>/g, '');
    if (!inside(fig, seen)) out.push(`${where(gd)}: figure wider or taller than the space it is shown in (${name})`);
    const legend = gd.querySelector('.legend');
    const lr = legend && shown(legend) ? legend.getBoundingClientRect() : null;
    const titles = [...gd.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text, [class*="title"] > text, ' +
                                           '.annotation-text-g text, .annotation text')];
    for (const t of new Set(titles)) {
      if (!shown(t) || !label(t)) continue;
      const r = t.getBoundingClientRect();
      if (!inside(r, fig)) out.push(`${where(gd)}: plot text cut at the figure's edge: "${label(t)}" (figure ${name})`);
      if (lr && overlap(r, lr)) out.push(`${where(gd)}: plot text under the legend: "${label(t)}" (figure ${name})`);
    }
    const pts = [...gd.querySelectorAll('.textpoint text')].filter(shown);
    for (let i = 0; i < pts.length; i++)
      for (let j = i + 1; j < pts.length; j++)
        if (overlap(pts[i].getBoundingClientRect(), pts[j].getBoundingClientRect()))
          out.push(`${where(gd)}: point labels overlap: "${label(pts[i])}" and "${label(pts[j])}"`);
    // images of data: heatmaps without coordinates, one cell per pixel
    const hms = [...gd.querySelectorAll('.hm')];
    const heat = gd._fullData.filter(d => d.type === 'heatmap' && d.visible !== false);
    heat.forEach((d, i) => {
      if (d._input && (d._input.x || d._input.y)) return;  // a density on a grid, not an image
      const img = hms[i] && hms[i].querySelector('image');
      if (!img || !shown(img)) return;
      const r = img.getBoundingClientRect(), rows = d.z.length, cols = d.z[0].length;
      const got = r.width / r.height, want = cols / rows;
      if (Math.abs(got / want - 1) > ASPECT)
        out.push(`${where(gd)}: image pixels not square: drawn ${r.width.toFixed(0)}x${r.height.toFixed(0)} ` +
                 `for ${cols}x${rows} (figure ${name})`);
      const L = gd._fullLayout;
      const xa = L[(d.xaxis || 'x').replace('x', 'xaxis')], ya = L[(d.yaxis || 'y').replace('y', 'yaxis')];
      const area = {left: fig.left + xa._offset, right: fig.left + xa._offset + xa._length,
                    top: fig.top + ya._offset, bottom: fig.top + ya._offset + ya._length};
      if (!inside(r, area) || !inside(r, seen))
        out.push(`${where(gd)}: image cropped by its plot area (figure ${name})`);
    });
  }


  // ---- text cut short with an ellipsis ----
  const roots = [...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]')];
  const every = roots.flatMap(r => [...r.querySelectorAll('*')]);
  for (const el of every) {
    if (el.closest('svg')) continue;
    const cs = getComputedStyle(el);
    if (cs.textOverflow !== 'ellipsis' || !label(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1 && shown(el))
      out.push(`${where(el)}: text cut short (${el.scrollWidth} px in ${el.clientWidth} px): "${label(el)}"`);
  }
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    if (!shown(gd) || !gd._fullLayout) continue;
    const svg = gd.querySelector('.main-svg');
    if (!svg) continue;
    const fig = svg.getBoundingClientRect();
    for (const t of gd.querySelectorAll('.legend .legendtext')) {
      if (!shown(t) || !label(t)) continue;
      if (!inside(t.getBoundingClientRect(), fig))
        out.push(`${where(gd)}: legend entry cut at the figure's edge: "${label(t)}"`);
    }
  }

  // ---- text over text ----
  // One box per line of each text node (a KaTeX formula is one box); a pair overlaps when their middles do.
  const runs = [];
  // Stale elements (faded while a script run replaces them) are on their way out, not part of the layout.
  const skip = el => el.closest('[data-stale="true"], .katex, svg, [role="tooltip"], [data-baseweb="popover"], ' +
                                '[data-baseweb="tooltip"], ' +
                                'script, style, noscript, textarea, [data-testid="stToast"]');
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (!el || skip(el) || !shown(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const c = clipRect(n);  // text cut off by its own box (an ellipsis) is not drawn there: only what shows
      for (const b of range.getClientRects()) {
        const top = Math.max(b.top, c.top), bottom = Math.min(b.bottom, c.bottom);
        // A line mostly hidden by a clipping box (a closed expander, a scrolled list) is not shown text.
        if (bottom - top < 0.5 * b.height) continue;
        const r = {left: Math.max(b.left, c.left), right: Math.min(b.right, c.right), top: b.top, bottom: b.bottom,
                   height: b.height};
        if (r.right - r.left > 2 && r.height > 2) runs.push({el, r, text: n.textContent});
      }
    }
    for (const k of root.querySelectorAll('.katex')) {
      if (!shown(k) || k.parentElement.closest('.katex')) continue;
      runs.push({el: k, r: k.getBoundingClientRect(), text: k.textContent});
    }
  }
  // Pictures (the draw pad, decoded images) count as boxes that text must not cross; plotly's own canvases
  // lie under its axes by design and are left to the plotly checks above.
  const pictures = roots.flatMap(r => [...r.querySelectorAll('canvas, img')])
    .filter(m => !m.closest('.js-plotly-plot') && shown(m) && m.getBoundingClientRect().width > 20)
    .map(m => ({el: m, r: m.getBoundingClientRect()}));
  for (const p of pictures)
    for (const t of runs) {
      if (p.el.contains(t.el) || t.el.contains(p.el)) continue;
      const r = t.r, c = {left: r.left + 1, right: r.right - 1, top: r.top + 0.25 * r.height,
                          bottom: r.bottom - 0.25 * r.height};
      if (overlap(c, p.r)) {
        const what = p.el.tagName.toLowerCase();
        out.push(`${where(p.el)}: text over a picture: "${t.text.trim().slice(0, 40)}" on a ${what}`);
        break;
      }
    }
  const core = r => ({left: r.left + 1, right: r.right - 1,
                      top: r.top + 0.25 * r.height, bottom: r.bottom - 0.25 * r.height});
  const hits = new Set();
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++) {
      const a = runs[i], b = runs[j];
      if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
      if (!overlap(core(a.r), core(b.r))) continue;
      const key = label(a.el) + ' | ' + label(b.el);
      if (hits.has(key)) continue;
      hits.add(key);
      const t = s => s.trim().replace(/\s+/g, ' ').slice(0, 40);
      out.push(`${where(a.el)}: text over text: "${t(a.text)}" and "${t(b.text)}"`);
    }

  // ---- decoded images outside plotly: <img> from the server, <canvas> drawn by the latent canvas ----
  for (const im of document.querySelectorAll('[data-testid="stMain"] img, [data-testid="stMain"] canvas.lc-img, ' +
                                             '[data-testid="stMain"] canvas.lc-thumb')) {
    if (!shown(im)) continue;
    const w0 = im.naturalWidth || im.width, h0 = im.naturalHeight || im.height;
    if (!w0 || !h0 || (im.tagName === 'IMG' && w0 < 8)) continue;
    const r = im.getBoundingClientRect();
    if (Math.abs((r.width / r.height) / (w0 / h0) - 1) > ASPECT)
      out.push(`${where(im)}: image pixels not square: drawn ${r.width.toFixed(0)}x${r.height.toFixed(0)} ` +
               `for ${w0}x${h0}`);
  }
  return out;
}
"""
