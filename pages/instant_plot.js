// A figure the page redraws itself (pages/instant_plot.py): the server sends the numbers and
// the figure once (a JSON string, the gr.HTML's value); a slider that only reshapes those
// numbers redraws here, with plotly.js's Plotly.react, without a round trip. The server's
// own answer (the Python handler, its api_name) stays the reference: tests/test_instant.py
// runs these functions in node and compares them with Python's.
//
// Each payload has a `kind`; KINDS[kind](payload, values) returns the figures to draw for
// the sliders' values. `sliders` maps a value's name to its slider's elem_id.
(function () {
  const root = typeof window !== "undefined" ? window : globalThis;
  if (root.genaiInstant) return;

  // --- numbers ---------------------------------------------------------------------------
  function decode(b64, Type) {
    const bytes = Uint8Array.from(atob(b64 || ""), (c) => c.charCodeAt(0));
    return new Type(bytes.buffer);
  }

  // 7, 6.5, 0.9991: as playground.core.plotstyle.fmt writes a number.
  function fmt(value, digits) {
    let text = value.toFixed(digits);
    if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
    return text === "-0" || text === "" ? "0" : text;
  }

  const TINY = 0.7006492321624085e-45;   // half float32's smallest: less rounds to 0

  function percent(x) { return (100 * x).toFixed(1) + "%"; }

  // The sampling stages of playground/backends/sampling.py on the compact logits of
  // playground/text/generation_instant.py: `head` (the best logits, sorted, exact) and the
  // rest as bins of (count, mean logit). Returns what generation.NextToken holds.
  function nextToken(P, temperature, k, p) {
    const head = P._head, count = P._count, mean = P._mean, n = P.top_n, V = P.vocab;
    const out = {tempered: new Array(n).fill(0), sampled: new Array(n).fill(0),
                 cut_by: new Array(n).fill(""), entropy_tempered: 0, entropy_sampled: 0,
                 kept_by_k: 1, kept: 1, kept_mass: 1};
    if (temperature === 0) {                          // greedy: all on the best token
      out.tempered[0] = out.sampled[0] = 1;
      for (let i = 1; i < n; i++) out.cut_by[i] = "greedy";
      return out;
    }
    const best = head[0], T = temperature;
    // 1. scaled logits a = (l - max) / T, and exp(a) (the max taken out: no overflow)
    const a = Float64Array.from(head, (l) => (l - best) / T), e = a.map(Math.exp);
    const aBin = Float64Array.from(mean, (l) => (l - best) / T), eBin = aBin.map(Math.exp);
    let Z = 0, Za = 0;                                // sum exp(a), sum a exp(a): all tokens
    for (let i = 0; i < e.length; i++) { Z += e[i]; Za += a[i] * e[i]; }
    for (let b = 0; b < eBin.length; b++) { Z += count[b] * eBin[b]; Za += count[b] * aBin[b] * eBin[b]; }
    // 2. top-k: the k best kept (ties with the k-th stay); k = 0 or >= V: off
    const topK = k > 0 && k < V;
    let nHead = head.length;
    if (topK) { const kth = head[Math.min(k, head.length) - 1]; nHead = 0; while (nHead < head.length && head[nHead] >= kth) nHead++; }
    let Zk = 0;
    for (let i = 0; i < nHead; i++) Zk += e[i];
    if (!topK) Zk = Z;
    // 3. softmax after top-k; 4. top-p: the best until their mass reaches p (the first always).
    // `kept` counts the tokens left with a probability float32 can hold (as torch's does).
    const holds = (x) => x >= TINY;
    let keptByK = 0;
    for (let i = 0; i < nHead; i++) if (holds(e[i] / Zk)) keptByK++;
    let mass = 0, kept = 0, nKept = 0, S = 0, Sa = 0;   // kept tokens: count, sum e^a, sum a e^a
    for (let i = 0; i < nHead; i++) {
      if (p < 1 && mass >= p) break;
      mass += e[i] / Zk; nKept++; kept += holds(e[i] / Zk) ? 1 : 0; S += e[i]; Sa += a[i] * e[i];
    }
    if (!topK) {
      for (let b = 0; b < eBin.length; b++) keptByK += holds(eBin[b] / Zk) ? count[b] : 0;
      for (let b = 0; b < eBin.length && (p >= 1 || mass < p); b++) {
        const q = eBin[b] / Zk;                       // each of the bin's tokens
        const j = p >= 1 ? count[b] : Math.min(count[b], Math.max(1, Math.ceil((p - mass) / q)));
        mass += j * q; kept += holds(q) ? j : 0; S += j * eBin[b]; Sa += j * aBin[b] * eBin[b];
      }
    }
    for (let i = 0; i < n; i++) {
      out.tempered[i] = e[i] / Z;
      const afterK = i < nHead ? e[i] / Zk : 0;
      out.sampled[i] = i < nKept && holds(e[i] / Zk) ? e[i] / S : 0;
      out.cut_by[i] = out.sampled[i] > 0 ? "" : afterK === 0 ? "top_k" : "top_p";
    }
    // entropy H = ln Z - sum p a, in bits
    out.entropy_tempered = (Math.log(Z) - Za / Z) / Math.LN2;
    out.entropy_sampled = Math.max(0, (Math.log(S) - Sa / S) / Math.LN2);
    out.kept_by_k = keptByK;
    out.kept = kept;
    out.kept_mass = S / Z;
    return out;
  }

  // --- figures ---------------------------------------------------------------------------
  // generation_figures.bars_figure and entropy_figure: what a slider changes in them.
  function nextTokenFigures(P, v) {
    const T = v.temperature, k = v.top_k, p = v.top_p;
    if (!(T >= 0 && T <= P.limits.temperature && Number.isInteger(k) && k >= 0 &&
          k <= P.limits.top_k && p > 0 && p <= 1)) return null;   // the server answers that
    const d = nextToken(P, T, k, p), text = P.text, greedy = T === 0;
    const [bars, entropy] = P.figures;
    const cut = d.cut_by.map((c) => c === "top_k" || c === "top_p");
    const sampled = Object.assign({}, bars.data[1], {
      x: d.sampled.map((s, i) => (cut[i] ? 0.4 : Math.max(100 * s, 0))),
      text: d.sampled.map((s, i) => (d.cut_by[i] === "top_k" ? text.cut_top_k
        : d.cut_by[i] === "top_p" ? text.cut_top_p : d.cut_by[i] ? "" : percent(s))),
      name: greedy ? text.bar_greedy : text.bar_sampled.replace("{T}", fmt(T, 2)),
      marker: Object.assign({}, bars.data[1].marker,
                            {color: d.cut_by.map((c) => (c ? P.colors.cut : P.colors.sampled))}),
    });
    const top = Math.max(Math.max(...P.original), Math.max(...d.sampled)) * 100;
    const barsLayout = Object.assign({}, bars.layout, {
      title: Object.assign({}, bars.layout.title, {
        text: text.model_title + (greedy ? text.title_greedy : text.title.replace("{T}", fmt(T, 2)))}),
      xaxis: Object.assign({}, bars.layout.xaxis, {range: [0, top * 1.22 + 1]}),
    });
    const now = Object.assign({}, entropy.data[1], {x: [T], y: [d.entropy_tempered]});
    const after = Object.assign({}, entropy.data[2], {x: [T], y: [d.entropy_sampled]});
    const entropyLayout = Object.assign({}, entropy.layout, {
      title: Object.assign({}, entropy.layout.title,
                           {text: text.entropy_title.replace("{h}", fmt(d.entropy_sampled, 2))})});
    return [{data: [bars.data[0], sampled], layout: barsLayout},
            {data: [entropy.data[0], now, after], layout: entropyLayout}];
  }


  // --- the neuron: playground/networks/neuron.py's forward, curve_figure and plane_figure ---
  // erf to 1.5e-7 (Abramowitz and Stegun 7.1.26), for the exact GELU z * Phi(z)
  function erf(x) {
    const s = Math.sign(x), a = Math.abs(x), u = 1 / (1 + 0.3275911 * a);
    const poly = u * (0.254829592 + u * (-0.284496736 + u * (1.421413741 + u * (-1.453152027 + u * 1.061405429))));
    return s * (1 - poly * Math.exp(-a * a));
  }
  function activation(name, slope) {
    return {
      relu: (z) => Math.max(z, 0),
      sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
      tanh: Math.tanh,
      linear: (z) => z,
      step: (z) => (z >= 0 ? 1 : 0),
      leaky_relu: (z) => (z >= 0 ? z : slope * z),
      gelu: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
    }[name];
  }

  function neuronForward(P, v) {
    const n = v.n, limit = P.limits.value;
    if (!(Number.isInteger(n) && n >= 1 && n <= 3) || !P.activations.includes(v.activation)) return null;
    const xs = [], ws = [];
    for (let i = 1; i <= n; i++) { xs.push(v["x" + i]); ws.push(v["w" + i]); }
    if (![...xs, ...ws, v.b].every((u) => Number.isFinite(u) && Math.abs(u) <= limit)) return null;
    const f = activation(v.activation, P.leaky_slope);
    const products = xs.map((x, i) => x * ws[i]);
    const z = products.reduce((s, p) => s + p, 0) + v.b;
    return {inputs: xs, weights: ws, bias: v.b, products, weighted_sum: z, output: f(z), f};
  }

  function neuronFigures(P, v) {
    const r = neuronForward(P, v);
    if (!r) return null;
    const [curve, plane] = P.figures, text = P.text, act = text.act[v.activation];
    const z = r.weighted_sum, y = r.output, f = r.f;
    // the curve, the point inside the view
    const half = Math.max(6, Math.abs(z) * 1.2), m = P.curve_points;
    const zs = Array.from({length: m}, (_, i) => -half + (2 * half) * i / (m - 1));
    const curveData = [
      Object.assign({}, curve.data[0], {x: zs, y: zs.map(f), name: act}),
      Object.assign({}, curve.data[1], {x: [z, z, -half], y: [0, y, y]}),
      Object.assign({}, curve.data[2], {x: [z], y: [y], text: [`(${fmt(z, 2)}, ${fmt(y, 4)})`]}),
    ];
    const curveLayout = Object.assign({}, curve.layout, {title: Object.assign({}, curve.layout.title, {
      text: text.curve_title.replace("{act}", act).replace("{z}", fmt(z, 4)).replace("{y}", fmt(y, 4))})});
    // the plane: a two-input neuron (the first two weights and inputs, 0 if absent)
    const [w1, w2] = [r.weights[0] || 0, r.weights[1] || 0], [x1, x2] = [r.inputs[0] || 0, r.inputs[1] || 0];
    const E = P.extent, g = P.grid, grid = Array.from({length: g}, (_, i) => -E + (2 * E / (g - 1)) * i);
    let low = Infinity;
    const Z = grid.map((yy) => grid.map((xx) => { const o = f(w1 * xx + w2 * yy + r.bias); low = Math.min(low, o); return o; }));
    const heat = Object.assign({}, plane.data[0], {z: Z});
    if (low < 0) heat.zmid = 0; else delete heat.zmid;
    const planeData = [heat];
    const planeLayout = Object.assign({}, plane.layout, {annotations: []});
    let line = null;
    if (Math.abs(w2) > 1e-12) line = [[-E, E], [-E, E].map((a) => -(w1 * a + r.bias) / w2)];
    else if (Math.abs(w1) > 1e-12) line = [[-r.bias / w1, -r.bias / w1], [-E, E]];
    if (line) planeData.push(Object.assign({}, plane.data[1], {x: line[0], y: line[1]}));
    else planeLayout.annotations = [{x: 0, y: 0, text: text.no_line, showarrow: false, bgcolor: "white"}];
    if (Math.abs(x1) <= E && Math.abs(x2) <= E) planeData.push(Object.assign({}, plane.data[2], {x: [x1], y: [x2]}));
    return [{data: curveData, layout: curveLayout}, {data: planeData, layout: planeLayout}];
  }

  // --- attention: playground/text/attention_figures.py's head_figure and heads_figure -------
  // The weights of playground/text/attention_instant.py: uint16 per layer, head, row (only
  // j <= i for a causal model). One head's map as the figure's z: rounded to 4 decimals,
  // null where the causal mask hides the key (attention_figures._cells).
  function attentionMap(P, layer, head) {
    const T = P.tokens, W = P._w, s = P.scale;
    const per = P.causal ? T * (T + 1) / 2 : T * T;
    const base = ((layer - 1) * P.heads + (head - 1)) * per;
    const z = new Array(T);
    for (let i = 0; i < T; i++) {
      const row = new Array(T).fill(null);
      const start = base + (P.causal ? i * (i + 1) / 2 : i * T), end = P.causal ? i + 1 : T;
      for (let j = 0; j < end; j++) row[j] = W[start + j] / s;
      z[i] = row;
    }
    return z;
  }
  const round4 = (z) => z.map((row) => row.map((w) => (w === null ? null : Math.round(w * 1e4) / 1e4)));

  function attentionMean(P, layer) {                 // the layer's heads, averaged
    const H = P.heads, maps = [];
    for (let h = 1; h <= H; h++) maps.push(attentionMap(P, layer, h));
    const mean = maps[0].map((row, i) => row.map((w, j) => {
      if (w === null) return null;
      let s = 0;
      for (let h = 0; h < H; h++) s += maps[h][i][j];
      return s / H;
    }));
    return [maps, mean];
  }

  function attentionFigures(P, v) {
    const layer = v.layer, head = v.head, H = P.heads;
    if (!(Number.isInteger(layer) && layer >= 1 && layer <= P.layers &&
          Number.isInteger(head) && head >= 1 && head <= H)) return null;   // the server answers
    const [one, grid] = P.figures, text = P.text;
    const [maps, mean] = attentionMean(P, layer);
    const headFig = {
      data: [Object.assign({}, one.data[0], {z: round4(maps[head - 1])})],
      layout: Object.assign({}, one.layout, {title: Object.assign({}, one.layout.title, {
        text: text.head_title.replace("{layer}", layer).replace("{head}", head)})}),
    };
    const data = grid.data.map((trace, k) => Object.assign({}, trace, {z: round4(k < H ? maps[k] : mean)}));
    const annotations = grid.layout.annotations.map((a, k) => {
      if (k > H) return a;                           // the note
      const chosen = k === head - 1;
      return Object.assign({}, a, {
        text: chosen || k === H ? `<b>${text.names[k]}</b>` : text.names[k],
        font: Object.assign({}, a.font, {color: chosen ? P.colors.chosen : P.colors.other})});
    });
    const ax = head === 1 ? "" : String(head);
    const [x0, x1] = grid.layout["xaxis" + ax].domain, [y0, y1] = grid.layout["yaxis" + ax].domain;
    const shapes = [Object.assign({}, grid.layout.shapes[0], {
      x0: x0 - 0.004, x1: x1 + 0.004, y0: y0 - 0.006, y1: y1 + 0.006})];
    const layout = Object.assign({}, grid.layout, {annotations, shapes,
      title: Object.assign({}, grid.layout.title, {text: text.heads_titles[layer - 1]})});
    return [headFig, {data, layout}];
  }

  // --- diffusion: playground/images/diffusion.py's forward_figure and schedule_figure --------
  // x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps in float32, step by step as torch does
  // (Math.fround after each operation), then fashion.tile and image_figure's grey levels.
  const f32 = Math.fround;
  function roundHalfEven(x) {                       // numpy's round
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
  const grey = (v) => roundHalfEven(f32(f32(f32(v + 1) / 2) * 255));   // [-1, 1] -> 0..255

  function diffusionXt(P, t) {                      // (size * size) float32 x_t, unclamped
    const abar = P._abar[t], a = f32(Math.sqrt(abar)), b = f32(Math.sqrt(f32(1 - abar)));
    return P._x0.map((x, i) => f32(f32(a * x) + f32(b * P._noise[i])));
  }

  function diffusionFigures(P, v) {
    const t = v.t;
    if (!(Number.isInteger(t) && t >= 0 && t < P.steps)) return null;   // the server answers
    const [images, schedule] = P.figures, n = P.size, gap = P.gap;
    const abar = P._abar[t], xt = diffusionXt(P, t);
    const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
    const panels = [P._x0, P._noise.map((e) => f32(clamp(e, -2, 2) / 2)), xt.map((x) => clamp(x, -1, 1))];
    const z = [];
    for (let r = 0; r < n; r++) {
      const row = [];
      panels.forEach((img, p) => {
        if (p > 0) for (let g = 0; g < gap; g++) row.push(null);
        for (let c = 0; c < n; c++) row.push(grey(img[r * n + c]));
      });
      z.push(row);
    }
    const signal = Math.sqrt(abar), noise = Math.sqrt(1 - abar);
    const annotations = images.layout.annotations.map((a, i) =>
      (i === 2 ? Object.assign({}, a, {text: P.text.xt.replace("{t}", t)}) : a));
    const imagesFig = {data: [Object.assign({}, images.data[0], {z})],
      layout: Object.assign({}, images.layout, {annotations, title: Object.assign({}, images.layout.title, {
        text: P.text.title.replace("{signal}", signal.toFixed(2)).replace("{noise}", noise.toFixed(2))})})};
    const marker = Object.assign({}, schedule.data[2], {x: [t, t],
      y: [f32(Math.sqrt(abar)), f32(Math.sqrt(f32(1 - abar)))]});
    const shapes = [Object.assign({}, schedule.layout.shapes[0], {x0: t, x1: t})];
    return [imagesFig, {data: [schedule.data[0], schedule.data[1], marker],
                        layout: Object.assign({}, schedule.layout, {shapes})}];
  }

  const KINDS = {
    next_token: {
      prepare(P) {
        P._head = decode(P.head, Float32Array);
        P._count = decode(P.tail_count, Uint32Array);
        P._mean = decode(P.tail_mean, Float32Array);
      },
      figures: nextTokenFigures,
    },
    neuron: {prepare() {}, figures: neuronFigures},
    attention: {prepare(P) { P._w = decode(P.weights, Uint16Array); }, figures: attentionFigures},
    diffusion: {
      prepare(P) {
        P._x0 = decode(P.x0, Float32Array);
        P._noise = decode(P.noise, Float32Array);
        P._abar = decode(P.alpha_bars, Float32Array);
      },
      figures: diffusionFigures,
    },
  };

  const CONFIG = {responsive: true, displaylogo: false};

  // --- the page --------------------------------------------------------------------------
  const mounted = new Set();

  function sliderValue(id, event) {
    const box = document.getElementById(id);
    if (!box) return NaN;
    const moved = event && box.contains(event.target) && event.target.tagName === "INPUT";
    if (box.querySelector("input[type=radio]"))       // a radio: the checked choice
      return (moved && event.target.checked ? event.target : box.querySelector("input:checked"))?.value;
    const input = moved ? event.target : box.querySelector("input[type=range]") || box.querySelector("input");
    return input && input.value !== "" ? Number(input.value) : NaN;
  }

  // plotly.js. The page's own bundle when the host has it (pages/instant_plot.py, BUNDLE:
  // plotly.js's cartesian traces, a third of the full bundle to evaluate on the page's one
  // thread), loaded as a classic script; else, or should it fail to load, Gradio's own copy
  // (its plot chunk sets window.Plotly), loaded by any gr.Plot, or imported from Gradio's
  // assets. Every figure here is drawn by the one copy chosen first.
  let loading = null, chosen = null;
  function gradioChunk(P) {            // the module any gr.Plot imports (it sets window.Plotly)
    const core = performance.getEntriesByType("resource").map((r) => r.name)
      .find((name) => /\/assets\/(core|index)-[\w-]+\.js$/.test(name));
    const url = core && P.plotly_chunk ? core.replace(/[^/]+$/, P.plotly_chunk) : null;
    return url ? import(url) : Promise.reject(new Error("no plotly.js"));
  }
  function gradioPlotly(P) {
    return root.Plotly ? Promise.resolve(root.Plotly) : gradioChunk(P).then(() => root.Plotly);
  }
  function ownPlotly(src) {
    return new Promise((resolve, reject) => {
      const before = root.Plotly, script = document.createElement("script");
      script.src = new URL(src, document.baseURI).href;     // under the app's own path
      script.async = true;
      script.onload = () => {
        const mine = root.Plotly;
        if (before) root.Plotly = before;                   // Gradio's, if it came first
        if (mine && mine !== before) resolve(mine); else reject(new Error("no plotly.js"));
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  // The other tabs' gr.Plots load Gradio's full copy when first shown (0.85 s of the page's one
  // thread in headless Chromium here). Once the page's own bundle has drawn and the page is
  // idle, that copy is imported ahead (a second after, when the browser has nothing to do):
  // opening a second tab then costs what it did before the first tab had its own bundle.
  let ahead = false;
  function gradioPlotlyAhead(P) {
    if (ahead || !P.plotly_src || typeof requestIdleCallback === "undefined") return;
    ahead = true;
    setTimeout(() => requestIdleCallback(() => gradioChunk(P).catch(() => {}), {timeout: 5000}), 1000);
  }

  function plotly(P) {
    if (chosen) return Promise.resolve(chosen);
    if (!loading) {
      loading = (P.plotly_src ? ownPlotly(P.plotly_src).catch(() => gradioPlotly(P)) : gradioPlotly(P))
        .then((Plotly) => (chosen = Plotly));
      loading.catch(() => { loading = null; });             // a later figure tries again
    }
    return loading;
  }

  // The page's language (pages/common.py's genaiPageLanguage: the switch, ?lang=, the browser).
  function pageLanguage() {
    if (root.genaiLang) return root.genaiLang;
    return typeof root.genaiPageLanguage === "function" ? root.genaiPageLanguage() : "es";
  }

  // A payload for every language (`langs`: the figures and strings of each), as one language's.
  function forLanguage(P, lang) {
    return Object.assign({}, P, P.langs[lang] || Object.values(P.langs)[0]);
  }

  function draw(state, event) {
    let P = state.payload;
    if (!P) return false;
    if (P.langs) P = forLanguage(P, state.lang = pageLanguage());
    const values = {};
    for (const [name, id] of Object.entries(P.sliders)) values[name] = sliderValue(id, event);
    const start = performance.now();
    const figures = KINDS[P.kind].figures(P, values);
    if (!figures) return false;
    const computed = performance.now();
    // a slot shown again is a new element: find it again
    state.divs = state.divs.map((div, i) => (div.isConnected ? div : slot(P.ids[i]) || div));
    // The first figure now (the one the slider's lesson is about), the others once that frame
    // is painted: the visitor sees the first change sooner; a fast drag draws only the last.
    const react = (Plotly, i, fig) => {
      const t = performance.now();
      Plotly.react(state.divs[i], fig.data, Object.assign({}, fig.layout, {autosize: true}), CONFIG);
      return performance.now() - t;
    };
    const paint = (Plotly) => {
      const first = react(Plotly, 0, figures[0]);
      root.genaiInstant.timing = {compute: computed - start, react: first};  // for the benchmark
      const drawn = state.divs[0];                    // counted for tests and benchmarks
      if (drawn) drawn.dataset.drawn = String((Number(drawn.dataset.drawn) || 0) + 1);
      state.rest = figures;
      gradioPlotlyAhead(P);
      if (figures.length > 1 && !state.waiting) {
        state.waiting = true;
        requestAnimationFrame(() => setTimeout(() => {
          state.waiting = false;
          state.rest.slice(1).forEach((fig, i) => react(Plotly, i + 1, fig));
        }, 0));
      }
    };
    if (chosen) paint(chosen); else plotly(P).then(paint).catch(() => {});
    return true;
  }

  // A figure goes into its slot elsewhere on the page (instant_plot.instant_slot), if any.
  function slot(id) {
    const s = document.getElementById(id);
    return s && s.classList.contains("genai-instant-slot") ? s : null;
  }

  function mount(element, props, watch) {
    const state = {element, payload: null, divs: []};
    const load = () => {
      let P = null;
      try { P = props.value ? JSON.parse(props.value) : null; } catch (e) { P = null; }
      if (P && KINDS[P.kind]) KINDS[P.kind].prepare(P); else P = null;
      state.payload = P;
      const box = element.querySelector(".genai-instant") || element;
      const ids = P ? P.ids : [];
      const own = ids.filter((id) => !slot(id));
      for (const div of state.divs)                  // a slot this payload no longer fills
        if (div && div.classList.contains("genai-instant-slot") && !ids.includes(div.id)) {
          if (chosen) chosen.purge(div);
          div.replaceChildren();
        }
      while (box.children.length > own.length) box.lastChild.remove();
      ids.forEach((id, i) => {
        let div = slot(id);
        if (!div) {
          const k = own.indexOf(id);
          div = box.children[k];
          if (!div) { div = document.createElement("div"); box.appendChild(div); }
          div.id = id;
        }
        state.divs[i] = div;
      });
      state.divs.length = ids.length;
      // the sliders may mount after this component: try again until they are there
      const attempt = (left) => { if (!draw(state, null) && left > 0) setTimeout(() => attempt(left - 1), 200); };
      attempt(50);
    };
    if (watch) watch("value", load);
    load();
    mounted.add(state);
  }

  // Gradio hears of a slider the page has redrawn once that frame is painted. On its input
  // event Gradio's Slider takes the value, then (at the next frame, before its paint) fires
  // its `change`: Gradio's Blocks then marks every component that has had a loading status
  // (a search of the page's tree and a copy of each one's props: ~45 ms on the Generation
  // tab, measured in Chromium's profiler), which held back the paint of the redrawn figure.
  // So the range's input event stops here and is sent again after the paint; a pointerup
  // (Gradio's `release`, which reads the value) sends it at once.
  const resent = new WeakSet();                     // the events the page sends again
  const held = new Set();                           // ranges Gradio has not heard of yet
  let resend = null;
  function hold(event) {
    event.stopImmediatePropagation();
    held.add(event.target);
    if (resend === null) resend = requestAnimationFrame(() => { resend = setTimeout(tell, 0); });
  }
  function tell() {
    if (resend !== null) { cancelAnimationFrame(resend); clearTimeout(resend); resend = null; }
    for (const input of Array.from(held)) {
      held.delete(input);
      const again = new Event("input", {bubbles: true});
      resent.add(again);
      input.dispatchEvent(again);
    }
  }

  // One listener for every slider of the page: a moved slider redraws the figures it feeds.
  function onInput(event) {
    if (resent.has(event)) return;
    let drawn = false;
    for (const state of Array.from(mounted)) {
      if (!state.element.isConnected) { mounted.delete(state); continue; }
      const P = state.payload;
      if (P && Object.values(P.sliders).some((id) => document.getElementById(id)?.contains(event.target)))
        drawn = draw(state, event) || drawn;
    }
    if (drawn && event.target.type === "range") hold(event);
  }
  if (typeof document !== "undefined") {
    document.addEventListener("input", onInput, true);
    document.addEventListener("pointerup", () => { if (held.size) tell(); }, true);
  }

  // Redraw every figure from the sliders as they are now (after the server moved some).
  function redrawAll() {
    for (const state of Array.from(mounted)) {
      if (!state.element.isConnected) mounted.delete(state); else draw(state, null);
    }
  }

  // The page's language has changed (app.py's setLocale): the figures that hold every
  // language redraw in it, without a round trip.
  function relanguage() {
    for (const state of Array.from(mounted)) {
      if (!state.element.isConnected) mounted.delete(state);
      else if (state.payload && state.payload.langs && state.lang !== pageLanguage()) draw(state, null);
    }
  }

  root.genaiInstant = {mount, redrawAll, relanguage, forLanguage, plotly, nextToken, nextTokenFigures, neuronForward, neuronFigures,
                       attentionFigures, diffusionXt, diffusionFigures, fmt, decode, KINDS};
  if (typeof module !== "undefined") module.exports = root.genaiInstant;
})();
