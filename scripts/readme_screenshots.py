"""Copy the browser tests' tab screenshots into docs/screenshots/ for the README, smaller.

    .venv/bin/python scripts/readme_screenshots.py [--lang es] [--width 800] [--ratio 0.9] [--source DIR]

Run after `bash scripts/test.sh` (which saves tests/screenshots/tab-<id>-<lang>.png).
Each picture is the top of the tab (as tall as --ratio times its width: the header, the
tabs and the first demo), scaled to --width pixels and reduced to 256 colours: the README
stays light.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="es")
    parser.add_argument("--width", type=int, default=800)
    parser.add_argument("--ratio", type=float, default=0.9)
    parser.add_argument("--source", type=Path, default=ROOT / "tests" / "screenshots")
    args = parser.parse_args()
    import app
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    for tab_id in app.TAB_IDS:
        source = args.source / f"tab-{tab_id}-{args.lang}.png"
        image = Image.open(source).convert("RGB")
        image = image.crop((0, 0, image.width, min(image.height, round(args.ratio * image.width))))
        height = round(image.height * args.width / image.width)
        small = image.resize((args.width, height), Image.LANCZOS).quantize(colors=256)
        small.save(out / f"{tab_id}.png", optimize=True)
        print(f"{source.name} -> docs/screenshots/{tab_id}.png ({(out / f'{tab_id}.png').stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
