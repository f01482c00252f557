// The standalone page (ui/canvas/standalone.py): the latent canvas of a beta grid with no server. Everything
// is in the page: the settings and grid manifest as JSON (#lc-page), each model's decoder weights and layout
// as base64 arrays in it, plotly.js gzip-compressed and base64-encoded (#lc-plotly). This file stands in for
// Streamlit: it hands the canvas its data, keeps the view the canvas reports, and redraws on the overlay
// switches. Nothing is fetched; the page's Content-Security-Policy forbids it anyway.
import { mount } from "./canvas.js";
import { STORE, b64bytes } from "./data.js";

const ARRAYS = { F32: Float32Array, I32: Int32Array, F64: Float64Array };
const KEY = "standalone";

// {name: {dtype, shape, blob}} -> {name: {shape, data}} as grid.js reads a safetensors file.
function tensorsOf(spec, blobs) {
  const out = {};
  for (const [name, t] of Object.entries(spec)) {
    const T = ARRAYS[t.dtype], u = blobs[t.blob];
    if (!T || u.byteLength % T.BYTES_PER_ELEMENT) throw new Error(`tensor ${name}: bad dtype or size`);
    out[name] = { shape: t.shape, data: new T(u.buffer, u.byteOffset, u.byteLength / T.BYTES_PER_ELEMENT) };
  }
  return out;
}

// plotly.js from the page, unpacked by the browser (DecompressionStream), as a blob: URL the canvas loads.
async function plotlyUrl() {
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot unpack the page's plotly.js (it needs DecompressionStream: Chrome 80, Firefox 113, Safari 16.4 or newer)");
  }
  const packed = b64bytes(document.getElementById("lc-plotly").textContent.trim());
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
  const js = await new Response(stream).blob();
  return URL.createObjectURL(new Blob([js], { type: "text/javascript" }));
}

async function boot() {
  const page = JSON.parse(document.getElementById("lc-page").textContent);
  const blobs = page.blobs.map(b64bytes);
  for (const [name, spec] of Object.entries(page.files)) STORE.files.set(name, tensorsOf(spec, blobs));
  const grid = page.grid, root = document.getElementById("lc-app");
  let data = {
    ...page.light, key: KEY, plotly_url: await plotlyUrl(), server_hover: null,
    blobs: { model: null, points: null, overlay: null, grid: grid.hash }, payloads: { [grid.hash]: grid },
  };
  const events = [];
  const component = () => ({
    parentElement: root, data,
    // A click or slider release: Python would decode it; here the canvas's own decode is the answer.
    setTriggerValue: (name, value) => { events.push({ name, value }); },
    // The view the person chose, echoed back as Python would, so a redraw keeps it.
    setStateValue: (name, value) => {
      if (name === "view") data = { ...data, grid: { ...data.grid, index: value.index, kl_on: value.kl_on } };
    },
  });
  const redraw = () => mount(component());
  const on = (id) => document.getElementById(id);
  on("sa-ellipses").addEventListener("change", (e) => { data = { ...data, ellipse_n: e.target.checked ? page.ellipse_n : 0 }; redraw(); });
  on("sa-prior").addEventListener("change", (e) => { data = { ...data, prior: e.target.checked }; redraw(); });
  on("sa-density").addEventListener("change", (e) => { data = { ...data, density: e.target.checked }; redraw(); });
  on("sa-holes")?.addEventListener("change", (e) => { data = { ...data, holes: e.target.checked }; redraw(); });
  window.__lcStandalone = { events };
  redraw();
}

boot().catch((e) => {
  const box = document.getElementById("lc-app");
  box.textContent = "This page could not start: " + String(e.message || e);
  box.classList.add("sa-error");
});
