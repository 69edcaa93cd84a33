#!/usr/bin/env bash
# plotly.js's cartesian bundle for the page's own figures (pages/instant_plot.py): a third of
# the full bundle Gradio's plots load, so the first tab draws ~0.6 s sooner. From npm, the
# version plotly.py's figures are made for (tests/test_instant.py checks it); npm checks the
# package's integrity. Without npm the page uses Gradio's own copy: everything works, the
# first paint is slower. Idempotent.
# Usage: bash scripts/plotly_bundle.sh PREFIX    (installs PREFIX/share/genai-playground/)
set -euo pipefail
VERSION=4.1.1
DIR="$1/share/genai-playground"
[ -f "$DIR/plotly-cartesian.min.js" ] && exit 0
if ! command -v npm >/dev/null; then
  echo "[setup] npm not found: the page will use Gradio's own plotly.js (first paint slower)"
  exit 0
fi
echo "[setup] installing plotly.js-cartesian-dist-min@$VERSION (npm)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "plotly.js-cartesian-dist-min@$VERSION" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$DIR"
cp "$tmp/package/LICENSE" "$DIR/plotly.js-LICENSE"
cp "$tmp/package/plotly-cartesian.min.js" "$DIR/"
