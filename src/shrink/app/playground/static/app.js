// shrink playground: the page. It sends settings and commands over one WebSocket and draws
// the snapshots the server streams back; all training happens in shrink's engine, on the server.
"use strict";

const LAMBDAS = [0, 0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
const GEO_LAMBDAS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2];
const VARIANT_COLOURS = ["#1f6fb2", "#d9730d", "#2f9e44", "#a23bb5"];
const TERM_COLOURS = {weight_l1: "#c2255c", weight_l2: "#e8590c", bias_l1: "#9c36b5", bias_l2: "#f59f00", input_l1: "#5c940d"};
const TERM_TEXT = {weight_l1: "Σ|W|", weight_l2: "ΣW²", bias_l1: "Σ|b|", bias_l2: "Σb²", input_l1: "Σ‖W[i,:]‖₂"};
const PRESETS = {
  "penalties": [
    {name: "none", weight_l1: 0, weight_l2: 0, l1_method: "subgradient"},
    {name: "L2", weight_l1: 0, weight_l2: 0.001, l1_method: "subgradient"},
    {name: "L1", weight_l1: 0.001, weight_l2: 0, l1_method: "subgradient"},
    {name: "L1 proximal", weight_l1: 0.001, weight_l2: 0, l1_method: "proximal"}],
  "sweep-l2": [0, 0.0001, 0.001, 0.01].map(l => ({name: `L2 ${l}`, weight_l1: 0, weight_l2: l, l1_method: "subgradient"})),
  "sweep-l1": [0, 0.0001, 0.001, 0.01].map(l => ({name: `L1 ${l}`, weight_l1: l, weight_l2: 0, l1_method: "proximal"})),
};

const $ = id => document.getElementById(id);
let socket = null;
let state = null;            // the last snapshot
let points = null;           // {train: [...], val: [...]} of the current generation
let tracks = [];            // per run: [{epoch, metrics}]
let generation = -1;
let pendingExport = null;    // which files the next export reply should download
let errorTimer = null;

// ------------------------------------------------------------------ formatting
function fmt(x) {
  if (x === undefined || x === null || !isFinite(x)) return "–";
  if (x === 0) return "0";
  return String(Number(x.toPrecision(4)));
}
function fmtCoef(x) { return String(Number(x.toPrecision(3))); }

// ------------------------------------------------------------------ controls and URL
function fillLambdaSelects() {
  for (const [cls, values] of [["lambda", LAMBDAS], ["lambda-geo", GEO_LAMBDAS]]) {
    for (const select of document.querySelectorAll(`select.${cls}`)) {
      const list = select.dataset.setting === "learning_rate" ? RATES : values;
      for (const v of list) select.add(new Option(String(v), String(v)));
    }
  }
}

function controlValue(el) {
  const type = el.dataset.type;
  if (type === "bool") return el.checked;
  if (type === "layers") return el.value;
  if (el.tagName === "SELECT" && isNaN(Number(el.value))) return el.value;
  if (el.value.trim() === "") return el.value;
  const n = Number(el.value);
  return isNaN(n) ? el.value : n;   // the server refuses what is not a number, with a message
}

function showSetting(el, value) {
  if (el === document.activeElement && el.tagName === "INPUT" && el.type !== "checkbox" && el.type !== "range") return;
  if (el.dataset.type === "bool") { el.checked = !!value; return; }
  const text = Array.isArray(value) ? value.join(",") : String(value);
  if (el.tagName === "SELECT" && ![...el.options].some(o => o.value === text)) {
    // A value from a link that the list does not offer: add it, so the control tells the truth.
    const options = [...el.options];
    const at = options.findIndex(o => Number(o.value) > Number(text));
    el.add(new Option(text, text), at < 0 ? null : at);
  }
  el.value = text;
  if (el.dataset.setting === "noise") $("noise-value").textContent = text;
}

function settingsFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const settings = {};
  let variants = null;
  for (const [key, raw] of params) {
    if (key === "variants") { try { variants = JSON.parse(raw); } catch (e) { showError("the link's variants are not readable"); } continue; }
    const el = document.querySelector(`[data-setting="${key}"]`);
    if (!el) { settings[key] = raw; continue; }  // the server names unknown settings
    if (el.dataset.type === "bool") settings[key] = raw === "true";
    else if (el.dataset.type === "layers") settings[key] = raw;
    else settings[key] = isNaN(Number(raw)) || raw === "" ? raw : Number(raw);
  }
  return {settings, variants};
}

function writeHash() {
  if (!state) return;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.settings)) {
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  if (state.variants.length > 1) params.set("variants", JSON.stringify(state.variants));
  window.history.replaceState(null, "", "#" + params.toString());
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.classList.remove("hidden");
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => box.classList.add("hidden"), 8000);
}

function wireControls() {
  for (const el of document.querySelectorAll("[data-setting]")) {
    const event = el.type === "range" ? "change" : (el.tagName === "INPUT" && el.type !== "checkbox" ? "change" : "input");
    el.addEventListener(event, () => send({type: "set", values: {[el.dataset.setting]: controlValue(el)}}));
    if (el.type === "range") el.addEventListener("input", () => { $("noise-value").textContent = el.value; });
  }
  $("play").onclick = () => send({type: "play"});
  $("pause").onclick = () => send({type: "pause"});
  $("step").onclick = () => send({type: "step"});
  $("reset").onclick = () => send({type: "reset"});
  $("restart-path").onclick = () => send({type: "restart_path"});
  $("export-config").onclick = () => { pendingExport = ["config.toml", "playground-data.npz"]; send({type: "export"}); };
  $("export-model").onclick = () => { pendingExport = ["model.npz"]; send({type: "export"}); };
  $("share").onclick = () => {
    writeHash();
    if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
  };
  $("mode-single").onchange = () => send({type: "variants", variants: [{name: "model"}]});
  $("mode-compare").onchange = () => send({type: "variants", variants: PRESETS["penalties"]});
  for (const button of document.querySelectorAll("[data-preset]")) {
    button.onclick = () => send({type: "variants", variants: PRESETS[button.dataset.preset]});
  }
  $("add-variant").onclick = () => {
    if (!state || state.variants.length >= 4) { showError("at most 4 variants"); return; }
    send({type: "variants", variants: [...state.variants, {name: `variant ${state.variants.length + 1}`}]});
  };
}

function download(name, base64) {
  const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes]));
  const a = document.createElement("a");
  a.href = url; a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

// ------------------------------------------------------------------ the variants table
function renderVariantsEditor() {
  const compare = state.variants.length > 1;
  $("variants-editor").classList.toggle("hidden", !compare);
  $("mode-compare").checked = compare;
  $("mode-single").checked = !compare;
  if (!compare) return;
  const body = $("variants-table").querySelector("tbody");
  const key = JSON.stringify(state.variants);
  if (body.dataset.key === key) return;
  body.dataset.key = key;
  body.innerHTML = "";
  state.variants.forEach((variant, i) => {
    const row = body.insertRow();
    const cell = () => row.insertCell();
    const name = document.createElement("input");
    name.value = variant.name; name.size = 10;
    cell().append(name);
    const pick = (values, field) => {
      const s = document.createElement("select");
      for (const v of values) s.add(new Option(String(v), String(v)));
      const current = variant[field] !== undefined ? variant[field] : state.settings[field];
      if (![...s.options].some(o => o.value === String(current))) s.add(new Option(String(current), String(current)));
      s.value = String(current);
      cell().append(s);
      return s;
    };
    const l1 = pick(LAMBDAS, "weight_l1"), l2 = pick(LAMBDAS, "weight_l2");
    const method = pick(["subgradient", "proximal", "cumulative"], "l1_method");
    const remove = document.createElement("button");
    remove.textContent = "×"; remove.title = "remove";
    cell().append(remove);
    const changed = () => {
      const variants = state.variants.map(v => ({...v}));
      variants[i] = {...variants[i], name: name.value || `variant ${i + 1}`, weight_l1: Number(l1.value),
                     weight_l2: Number(l2.value), l1_method: method.value};
      send({type: "variants", variants});
    };
    for (const el of [name, l1, l2, method]) el.addEventListener("change", changed);
    remove.onclick = () => send({type: "variants", variants: state.variants.filter((_, j) => j !== i)});
  });
}

// ------------------------------------------------------------------ drawing: boundary
const offscreen = document.createElement("canvas");
function colourOf(p) {
  // P(class 1) from 0 (orange) through white (0.5) to 1 (blue), as the data points.
  const a = [245, 146, 66], b = [52, 120, 190], w = [250, 250, 250];
  const t = Math.abs(p - 0.5) * 2, c = p < 0.5 ? a : b;
  return [0, 1, 2].map(k => Math.round(w[k] + (c[k] - w[k]) * t * 0.75));
}
function drawBoundary(canvas, run, showPoints) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (state.regression) { drawCurve(canvas, run, showPoints); return; }
  const G = state.grid, E = state.extent;
  const bytes = Uint8Array.from(atob(run.picture), c => c.charCodeAt(0));
  offscreen.width = G; offscreen.height = G;
  const octx = offscreen.getContext("2d");
  const image = octx.createImageData(G, G);
  for (let i = 0; i < G * G; i++) {
    const [r, g, b] = colourOf(bytes[i] / 255);
    image.data[4 * i] = r; image.data[4 * i + 1] = g; image.data[4 * i + 2] = b; image.data[4 * i + 3] = 255;
  }
  octx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(offscreen, 0, 0, W, H);
  if (!showPoints || !points) return;
  const x = v => (v + E) / (2 * E) * W, y = v => (E - v) / (2 * E) * H;
  const radius = W > 300 ? 3.2 : 2.2;
  for (const [set, hollow] of [["train", false], ["val", true]]) {
    for (const [a, b, label] of points[set]) {
      ctx.beginPath();
      ctx.arc(x(a), y(b), radius, 0, 2 * Math.PI);
      const colour = label ? "#2f6db5" : "#e8731a";
      if (hollow) { ctx.strokeStyle = colour; ctx.lineWidth = 1.4; ctx.stroke(); }
      else { ctx.fillStyle = colour; ctx.fill(); ctx.strokeStyle = "white"; ctx.lineWidth = 0.8; ctx.stroke(); }
    }
  }
}
function drawCurve(canvas, run, showPoints) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.fillStyle = "#fbfbfb"; ctx.fillRect(0, 0, W, H);
  const x = v => (v + 0.05) / 1.1 * W, y = v => (1.6 - v) / 3.2 * H;
  ctx.strokeStyle = "#ddd"; ctx.beginPath(); ctx.moveTo(0, y(0)); ctx.lineTo(W, y(0)); ctx.stroke();
  if (showPoints && points) {
    for (const [set, hollow] of [["train", false], ["val", true]]) {
      for (const [a, b] of points[set]) {
        ctx.beginPath(); ctx.arc(x(a), y(b), 2.5, 0, 2 * Math.PI);
        if (hollow) { ctx.strokeStyle = "#e8731a"; ctx.stroke(); } else { ctx.fillStyle = "#2f6db5"; ctx.fill(); }
      }
    }
  }
  ctx.strokeStyle = "#111"; ctx.lineWidth = 2.2; ctx.beginPath();
  run.picture.forEach((v, i) => {
    const px = x(-0.05 + 1.1 * i / (run.picture.length - 1)), py = y(Math.max(-2, Math.min(2, v)));
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  });
  ctx.stroke(); ctx.lineWidth = 1;
}

// ------------------------------------------------------------------ drawing: loss curves
function drawCurves() {
  const canvas = $("curves"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, L = 42, B = 18;
  ctx.clearRect(0, 0, W, H);
  const compare = state.runs.length > 1;
  const series = [];  // {label, colour, dash, values: [[epoch, value]]}
  if (compare) {
    tracks.forEach((h, i) => {
      series.push({label: `${state.runs[i].name}: validation data loss`, colour: VARIANT_COLOURS[i], dash: [],
                   values: h.map(p => [p.epoch, p.metrics.val_data_loss])});
      series.push({label: "", colour: VARIANT_COLOURS[i], dash: [3, 3], width: 1,
                   values: h.map(p => [p.epoch, p.metrics.data_loss])});
    });
  } else if (tracks.length) {
    const h = tracks[0];
    series.push({label: "training data loss", colour: "#1f6fb2", dash: [], values: h.map(p => [p.epoch, p.metrics.data_loss])});
    series.push({label: "validation data loss", colour: "#1f6fb2", dash: [5, 4], values: h.map(p => [p.epoch, p.metrics.val_data_loss])});
    const terms = new Set(h.flatMap(p => Object.keys(p.metrics.terms)));
    for (const t of terms) {
      series.push({label: `${t} term`, colour: TERM_COLOURS[t], dash: [], width: 1.2,
                   values: h.map(p => [p.epoch, p.metrics.terms[t] || 0])});
    }
    series.push({label: "total J (training)", colour: "#222", dash: [], values: h.map(p => [p.epoch, p.metrics.loss])});
    series.push({label: "total (validation)", colour: "#222", dash: [5, 4], width: 1, values: h.map(p => [p.epoch, p.metrics.val_loss])});
  }
  const all = series.flatMap(s => s.values).filter(([, v]) => v > 0 && isFinite(v));
  ctx.strokeStyle = "#ccc"; ctx.strokeRect(L, 4, W - L - 6, H - B - 4);
  if (!all.length) { $("curves-legend").innerHTML = ""; return; }
  const maxEpoch = Math.max(1, ...all.map(([e]) => e));
  let lo = Math.log10(Math.min(...all.map(([, v]) => v))), hi = Math.log10(Math.max(...all.map(([, v]) => v)));
  lo = Math.floor(Math.max(lo, hi - 6)); hi = Math.ceil(hi + 1e-9); if (hi - lo < 1) hi = lo + 1;
  const x = e => L + (W - L - 6) * e / maxEpoch;
  const y = v => 4 + (H - B - 4) * (hi - Math.log10(Math.max(v, Math.pow(10, lo)))) / (hi - lo);
  ctx.fillStyle = "#777"; ctx.font = "10px system-ui, sans-serif"; ctx.textAlign = "right";
  for (let d = lo; d <= hi; d++) {
    ctx.fillText(`1e${d}`, L - 4, y(Math.pow(10, d)) + 3);
    ctx.strokeStyle = "#eee"; ctx.beginPath(); ctx.moveTo(L, y(Math.pow(10, d))); ctx.lineTo(W - 6, y(Math.pow(10, d))); ctx.stroke();
  }
  ctx.textAlign = "center"; ctx.fillText(`epoch ${maxEpoch}`, W - 40, H - 4); ctx.fillText("0", L, H - 4);
  for (const s of series) {
    ctx.strokeStyle = s.colour; ctx.setLineDash(s.dash); ctx.lineWidth = s.width || 1.8;
    ctx.beginPath();
    s.values.forEach(([e, v], i) => { if (v > 0) (i ? ctx.lineTo(x(e), y(v)) : ctx.moveTo(x(e), y(v))); });
    ctx.stroke();
  }
  ctx.setLineDash([]); ctx.lineWidth = 1;
  $("curves-legend").innerHTML = series.filter(s => s.label).map(s =>
    `<span><i style="border-color:${s.colour};border-style:${s.dash.length ? "dashed" : "solid"}"></i>${s.label}</span>`).join("");
  $("curves-hint").textContent = compare ? "log scale; solid: validation, dashed: training data loss" : "log scale";
}

// ------------------------------------------------------------------ drawing: network
function drawNetwork() {
  const canvas = $("network"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const layers = state.layers;
  const sizes = [layers[0].shape[0], ...layers.map(l => l.shape[1])];
  // A unit is removed when every weight leaving it is exactly zero (an input: its row of the
  // first layer; a hidden unit: its row of the next layer), or when nothing reaches it.
  const removed = sizes.map(n => new Array(n).fill(false));
  layers.forEach((l, k) => l.weights.forEach((row, i) => { removed[k][i] = row.every(w => w === 0); }));
  layers.forEach((l, k) => {
    for (let j = 0; j < l.shape[1]; j++) {
      if (k + 1 < layers.length && l.weights.every(row => row[j] === 0) && l.biases[j] === 0) removed[k + 1][j] = true;
    }
  });
  const top = Math.max(1e-12, ...layers.map(l => l.range));
  const xs = sizes.map((_, k) => 24 + (W - 48) * k / (sizes.length - 1));
  const ys = sizes.map(n => Array.from({length: n}, (_, i) => n === 1 ? H / 2 : 12 + (H - 24) * i / (n - 1)));
  layers.forEach((l, k) => {
    l.weights.forEach((row, i) => row.forEach((w, j) => {
      if (w === 0) {
        if (l.weights.length * row.length > 600) return;  // too many to draw faintly
        ctx.strokeStyle = "rgba(160,160,160,0.25)"; ctx.lineWidth = 0.5;
      } else {
        const t = Math.abs(w) / top;
        ctx.strokeStyle = w > 0 ? `rgba(31,111,178,${0.15 + 0.8 * t})` : `rgba(232,115,26,${0.15 + 0.8 * t})`;
        ctx.lineWidth = 0.3 + 3.2 * t;
      }
      ctx.beginPath(); ctx.moveTo(xs[k], ys[k][i]); ctx.lineTo(xs[k + 1], ys[k + 1][j]); ctx.stroke();
    }));
  });
  const inputNames = n => Array.from({length: n}, (_, i) => i < (state.regression ? 1 : 2) ? `x${i + 1}` : `n${i - (state.regression ? 0 : 1)}`);
  const names = inputNames(sizes[0]);
  sizes.forEach((n, k) => ys[k].forEach((y, i) => {
    const r = n > 24 ? 2.4 : 4;
    ctx.beginPath(); ctx.arc(xs[k], y, r, 0, 2 * Math.PI);
    ctx.fillStyle = removed[k][i] ? "#fff" : "#444"; ctx.fill();
    ctx.strokeStyle = removed[k][i] ? "#bbb" : "#444"; ctx.lineWidth = 1; ctx.stroke();
    if (removed[k][i]) {
      ctx.strokeStyle = "rgba(200,0,0,0.7)"; ctx.beginPath();
      ctx.moveTo(xs[k] - r, y - r); ctx.lineTo(xs[k] + r, y + r);
      ctx.moveTo(xs[k] + r, y - r); ctx.lineTo(xs[k] - r, y + r); ctx.stroke();
    }
    if (k === 0 && n <= 12) { ctx.fillStyle = "#555"; ctx.font = "10px system-ui"; ctx.textAlign = "right"; ctx.fillText(names[i], xs[k] - 7, y + 3); }
  }));
}

// ------------------------------------------------------------------ drawing: histograms
function drawHistograms() {
  const box = $("histograms");
  while (box.children.length < state.layers.length) {
    const div = document.createElement("div");
    div.innerHTML = `<canvas width="130" height="56"></canvas><div class="caption"></div>`;
    box.append(div);
  }
  while (box.children.length > state.layers.length) box.lastChild.remove();
  state.layers.forEach((l, k) => {
    const div = box.children[k], canvas = div.querySelector("canvas"), ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height, n = l.histogram.length, peak = Math.max(1, ...l.histogram);
    ctx.clearRect(0, 0, W, H);
    l.histogram.forEach((c, i) => {
      const h = (H - 4) * Math.sqrt(c / peak);   // square root: small bins stay visible
      ctx.fillStyle = i === (n - 1) / 2 ? "#888" : (i < (n - 1) / 2 ? "#e8731a" : "#2f6db5");
      ctx.fillRect(i * W / n + 0.5, H - h, W / n - 1, h);
    });
    div.querySelector(".caption").textContent =
      `layer ${k + 1}: ${l.shape[0]}×${l.shape[1]}, ${l.zeros} exact 0 · |w| ≤ ${fmt(l.range)}`;
  });
}

// ------------------------------------------------------------------ drawing: geometry
function drawGeometry() {
  const g = state.geometry, canvas = $("geometry"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, R = 2.0;
  const x = v => (v + R) / (2 * R) * W, y = v => (R - v) / (2 * R) * H;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fcfcfc"; ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(x(-R), y(0)); ctx.lineTo(x(R), y(0)); ctx.moveTo(x(0), y(-R)); ctx.lineTo(x(0), y(R)); ctx.stroke();
  // Contours of the data loss: ellipses (w − w*)ᵀA(w − w*) = level around the least-squares w*.
  const [[a, b], [, d]] = g.A, ws = g.least_squares;
  const tr = a + d, det = a * d - b * b, disc = Math.sqrt(Math.max(0, tr * tr / 4 - det));
  const l1 = tr / 2 + disc, l2 = tr / 2 - disc;
  const angle = Math.abs(b) > 1e-12 ? Math.atan2(l1 - a, b) : (a >= d ? 0 : Math.PI / 2);
  const ellipse = (level, style, width) => {
    ctx.strokeStyle = style; ctx.lineWidth = width; ctx.beginPath();
    for (let t = 0; t <= 64; t++) {
      const th = 2 * Math.PI * t / 64, u = Math.sqrt(level / l1) * Math.cos(th), v = Math.sqrt(level / l2) * Math.sin(th);
      const px = ws[0] + u * Math.cos(angle) - v * Math.sin(angle), py = ws[1] + u * Math.sin(angle) + v * Math.cos(angle);
      t ? ctx.lineTo(x(px), y(py)) : ctx.moveTo(x(px), y(py));
    }
    ctx.stroke();
  };
  for (const level of [0.02, 0.08, 0.25, 0.6, 1.2, 2.2, 3.6]) ellipse(level, "rgba(47,109,181,0.35)", 1);
  const opt = g.optimum, dv = [opt[0] - ws[0], opt[1] - ws[1]];
  const touch = dv[0] * (a * dv[0] + b * dv[1]) + dv[1] * (b * dv[0] + d * dv[1]);
  if (touch > 1e-9) ellipse(touch, "rgba(47,109,181,0.95)", 1.6);
  // The penalty's level set through the penalized optimum: the diamond (L1), the disc (L2).
  const n1 = Math.abs(opt[0]) + Math.abs(opt[1]), n2 = Math.hypot(opt[0], opt[1]);
  ctx.lineWidth = 1.6;
  if (g.weight_l1 > 0 && n1 > 0) {
    ctx.strokeStyle = "#c2255c"; ctx.fillStyle = "rgba(194,37,92,0.08)"; ctx.beginPath();
    ctx.moveTo(x(n1), y(0)); ctx.lineTo(x(0), y(n1)); ctx.lineTo(x(-n1), y(0)); ctx.lineTo(x(0), y(-n1)); ctx.closePath();
    ctx.fill(); ctx.stroke();
  }
  if (g.weight_l2 > 0 && n2 > 0) {
    ctx.strokeStyle = "#e8590c"; ctx.fillStyle = "rgba(232,89,12,0.08)"; ctx.beginPath();
    ctx.arc(x(0), y(0), n2 / (2 * R) * W, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  }
  ctx.strokeStyle = "#111"; ctx.lineWidth = 1.3; ctx.beginPath();
  g.path.forEach(([p, q], i) => i ? ctx.lineTo(x(p), y(q)) : ctx.moveTo(x(p), y(q)));
  ctx.stroke();
  const mark = (p, colour, r) => { ctx.fillStyle = colour; ctx.beginPath(); ctx.arc(x(p[0]), y(p[1]), r, 0, 2 * Math.PI); ctx.fill(); };
  mark(ws, "#2f6db5", 4); mark(opt, "#c2255c", 4); mark(g.w, "#111", 3.2);
  ctx.fillStyle = "#333"; ctx.font = "10px system-ui"; ctx.textAlign = "left";
  ctx.fillText("w₁ →", W - 30, y(0) - 4); ctx.fillText("w₂", x(0) + 4, 10);
  $("geo-text").innerHTML = `<span class="sw" style="background:#2f6db5"></span>least squares (${ws.map(fmt).join(", ")})<br>` +
    `<span class="sw" style="background:#c2255c"></span>penalized optimum (${opt.map(fmt).join(", ")})<br>` +
    `<span class="sw" style="background:#111"></span>now, step ${g.steps}: (${g.w.map(fmt).join(", ")})`;
}

// ------------------------------------------------------------------ read-outs
function objectiveText(m) {
  let text = `J = ${fmt(m.data_loss)}`;
  for (const [key, value] of Object.entries(m.terms)) {
    text += ` + ${fmtCoef(m.coefs[key])}·${TERM_TEXT[key]} <span class="term" style="color:${TERM_COLOURS[key]}">(${fmt(value)})</span>`;
  }
  text += ` = <b>${fmt(m.loss)}</b>`;
  const wd = state.settings.weight_decay;
  if (wd > 0) text += ` <span class="muted">+ decoupled weight decay ${fmtCoef(wd)} (not part of J)</span>`;
  return text;
}

function renderReadouts() {
  const run = state.runs[state.focus], m = run.metrics;
  $("epoch").textContent = String(state.epoch);
  $("data-loss").textContent = fmt(m.data_loss);
  $("val-data-loss").textContent = fmt(m.val_data_loss);
  $("reg-loss").textContent = fmt(m.reg_loss);
  $("zero-weights").textContent = String(run.zero_weights);
  $("all-weights").textContent = String(run.weights);
  $("accuracy").textContent = m.accuracy === undefined ? "–" : fmt(m.accuracy);
  $("val-accuracy").textContent = m.val_accuracy === undefined ? "–" : fmt(m.val_accuracy);
  $("objective").innerHTML = (state.runs.length > 1 ? `<b>${run.name}</b>: ` : "") + objectiveText(m);
  $("messages").textContent = state.messages.join(" · ");
  $("play").classList.toggle("active", state.playing);
}

function renderCompare() {
  const compare = state.runs.length > 1;
  $("single-view").classList.toggle("hidden", compare);
  $("compare-view").classList.toggle("hidden", !compare);
  if (!compare) { drawBoundary($("boundary"), state.runs[0], true); return; }
  const panes = $("panes");
  if (panes.children.length !== state.runs.length) {
    panes.innerHTML = "";
    state.runs.forEach((_, i) => {
      const div = document.createElement("div");
      div.className = "pane";
      div.innerHTML = `<div class="pane-title"></div><canvas width="250" height="250" data-testid="boundary-${i}"></canvas><div class="pane-stats"></div>`;
      div.onclick = () => send({type: "set", values: {focus: i}});
      panes.append(div);
    });
  }
  state.runs.forEach((run, i) => {
    const div = panes.children[i], m = run.metrics;
    div.classList.toggle("focus", i === state.focus);
    div.querySelector(".pane-title").innerHTML = `<i style="background:${VARIANT_COLOURS[i]}"></i>${run.name}` +
      (run.status !== "training" ? ` <span class="muted">(${run.status})</span>` : "");
    drawBoundary(div.querySelector("canvas"), run, true);
    div.querySelector(".pane-stats").innerHTML =
      `val data loss <b>${fmt(m.val_data_loss)}</b>` + (m.val_accuracy !== undefined ? ` · val acc <b>${fmt(m.val_accuracy)}</b>` : "") +
      `<br>train ${fmt(m.data_loss)} · penalty ${fmt(m.reg_loss)} · zeros ${run.zero_weights}/${run.weights}`;
  });
  // The verdict: the variant that generalizes best is the one with the lowest validation data loss.
  const byLoss = state.runs.map((r, i) => [r.metrics.val_data_loss, i]).sort((p, q) => p[0] - q[0]);
  const best = state.runs[byLoss[0][1]], worst = state.runs[byLoss[byLoss.length - 1][1]];
  let verdict = `Generalizes best so far: <b>${best.name}</b> (validation data loss ${fmt(best.metrics.val_data_loss)}`;
  if (best.metrics.val_accuracy !== undefined) {
    const acc = state.runs.map(r => r.metrics.val_accuracy), top = Math.max(...acc);
    verdict += `, accuracy ${fmt(best.metrics.val_accuracy)}`;
    const leaders = state.runs.filter(r => r.metrics.val_accuracy === top).map(r => r.name);
    verdict += `); best validation accuracy: ${leaders.join(", ")} (${fmt(top)})`;
  } else verdict += ")";
  verdict += `; worst: ${worst.name} (${fmt(worst.metrics.val_data_loss)}).`;
  $("verdict").innerHTML = `<span data-testid="best-variant" class="hidden">${best.name}</span>` + verdict;
}

function render() {
  renderCompare();
  renderReadouts();
  drawCurves();
  drawNetwork();
  drawHistograms();
  drawGeometry();
  renderVariantsEditor();
}

// ------------------------------------------------------------------ the socket
function onState(message) {
  if (message.generation !== generation || message.runs.length !== tracks.length) {
    generation = message.generation;
    tracks = message.runs.map(() => []);
  }
  if (message.points) points = message.points;
  message.runs.forEach((run, i) => {
    const h = tracks[i], last = h[h.length - 1];
    const point = {epoch: message.epoch, metrics: run.metrics};
    if (last && last.epoch === message.epoch) h[h.length - 1] = point; else h.push(point);
    if (h.length > 1500) tracks[i] = h.filter((_, j) => j % 2 === 0 || j === h.length - 1);
  });
  state = message;
  for (const el of document.querySelectorAll("[data-setting]")) {
    if (el.dataset.setting in state.settings) showSetting(el, state.settings[el.dataset.setting]);
  }
  writeHash();
  render();
}

function connect() {
  const {settings, variants} = settingsFromHash();
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  let first = true;
  socket.onmessage = event => {
    const message = JSON.parse(event.data);
    if (message.type === "error") { showError(message.message); return; }
    if (message.type === "export") {
      for (const name of pendingExport || Object.keys(message.files)) download(name, message.files[name]);
      pendingExport = null;
      return;
    }
    if (message.type !== "state") return;
    if (first) {
      first = false;
      // A link carries a setup: apply it before drawing anything else.
      if (variants) send({type: "variants", variants});
      if (Object.keys(settings).length) send({type: "set", values: settings});
    }
    onState(message);
  };
  socket.onclose = () => showError("disconnected from the shrink playground server; restart it and reload this page");
}

// A link pasted or edited in the address bar of an open page applies as well.
window.addEventListener("hashchange", () => {
  const {settings, variants} = settingsFromHash();
  if (variants) send({type: "variants", variants});
  else if (state && state.variants.length > 1) send({type: "variants", variants: [{name: "model"}]});
  if (Object.keys(settings).length) send({type: "set", values: settings});
});

fillLambdaSelects();
wireControls();
connect();
