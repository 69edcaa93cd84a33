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

  const KINDS = {
    next_token: {
      prepare(P) {
        P._head = decode(P.head, Float32Array);
        P._count = decode(P.tail_count, Uint32Array);
        P._mean = decode(P.tail_mean, Float32Array);
      },
      figures: nextTokenFigures,
    },
  };

  const CONFIG = {responsive: true, displaylogo: false};

  // --- the page --------------------------------------------------------------------------
  const mounted = new Set();

  function sliderValue(id, event) {
    const box = document.getElementById(id);
    if (!box) return NaN;
    const moved = event && box.contains(event.target) && event.target.tagName === "INPUT";
    const input = moved ? event.target : box.querySelector("input[type=range]") || box.querySelector("input");
    return input && input.value !== "" ? Number(input.value) : NaN;
  }

  // plotly.js: Gradio's own copy (its plot chunk sets window.Plotly), loaded once by any
  // gr.Plot; if none has been drawn yet, the same chunk is imported from Gradio's assets.
  let loading = null;
  function plotly(P) {
    if (root.Plotly) return Promise.resolve(root.Plotly);
    if (!loading) {
      const core = performance.getEntriesByType("resource").map((r) => r.name)
        .find((name) => /\/assets\/(core|index)-[\w-]+\.js$/.test(name));
      const url = core && P.plotly_chunk ? core.replace(/[^/]+$/, P.plotly_chunk) : null;
      loading = (url ? import(url) : Promise.reject(new Error("no plotly.js")))
        .then(() => root.Plotly);
    }
    return loading;
  }

  function draw(state, event) {
    const P = state.payload;
    if (!P) return false;
    const values = {};
    for (const [name, id] of Object.entries(P.sliders)) values[name] = sliderValue(id, event);
    const start = performance.now();
    const figures = KINDS[P.kind].figures(P, values);
    if (!figures) return false;
    const computed = performance.now();
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
      if (figures.length > 1 && !state.waiting) {
        state.waiting = true;
        requestAnimationFrame(() => setTimeout(() => {
          state.waiting = false;
          state.rest.slice(1).forEach((fig, i) => react(Plotly, i + 1, fig));
        }, 0));
      }
    };
    if (root.Plotly) paint(root.Plotly); else plotly(P).then(paint);
    return true;
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
      while (box.children.length > ids.length) box.lastChild.remove();
      ids.forEach((id, i) => {
        let div = box.children[i];
        if (!div) { div = document.createElement("div"); box.appendChild(div); }
        div.id = id;
        state.divs[i] = div;
      });
      state.divs.length = ids.length;
      draw(state, null);
    };
    if (watch) watch("value", load);
    load();
    mounted.add(state);
  }

  // One listener for every slider of the page: a moved slider redraws the figures it feeds.
  function onInput(event) {
    for (const state of Array.from(mounted)) {
      if (!state.element.isConnected) { mounted.delete(state); continue; }
      const P = state.payload;
      if (P && Object.values(P.sliders).some((id) => document.getElementById(id)?.contains(event.target)))
        draw(state, event);
    }
  }
  if (typeof document !== "undefined") document.addEventListener("input", onInput, true);

  root.genaiInstant = {mount, nextToken, nextTokenFigures, fmt, decode, KINDS};
  if (typeof module !== "undefined") module.exports = root.genaiInstant;
})();
