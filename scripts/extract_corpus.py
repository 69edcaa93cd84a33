"""Extract the Pre-training tab's corpora from Debian's SWORD Bible modules, once.

    apt-get install -y sword-text-sparv sword-text-kjv
    pip install pysword==0.2.8          # requirements-dev.txt
    python scripts/extract_corpus.py

Writes assets/corpora/es_rv1909.txt.xz (the Reina-Valera 1909 Bible, Spanish, public domain,
SWORD module spaRV1909eb) and assets/corpora/en_kjv.txt.xz (the King James Version, English,
public domain, SWORD module engKJV2006eb): one verse a line, markup removed, books in order.
The app reads only the compressed files; neither the Debian packages nor pysword are needed
at run time. The whole parse takes about half a minute.
"""
from __future__ import annotations

import argparse
import lzma
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "corpora"
SWORD = Path("/usr/share/sword")
MODULES = {"es_rv1909": "spaRV1909eb", "en_kjv": "engKJV2006eb"}
MAX_CHARS = {"es_rv1909": 4_000_000, "en_kjv": 1_500_000}   # English: a smaller comparison


def verses(module: str):
    """Every verse of a SWORD module as plain text, in canonical order."""
    from pysword.modules import SwordModules
    modules = SwordModules(str(SWORD))
    modules.parse_modules()
    bible = modules.get_bible_from_module(module)
    books = bible.get_structure().get_books()
    for book in books["ot"] + books["nt"]:
        yield from bible.get_iter(books=[book.name], clean=True)


def clean(line: str) -> str:
    line = re.sub(r"<[^>]+>", "", line)          # any markup pysword left
    line = re.sub(r"\s+", " ", line)
    return line.strip()


def extract(name: str) -> Path:
    lines, total = [], 0
    for verse in verses(MODULES[name]):
        line = clean(verse)
        if not line:
            continue
        if total + len(line) + 1 > MAX_CHARS[name]:
            break
        lines.append(line)
        total += len(line) + 1
    text = "\n".join(lines) + "\n"
    path = OUT / f"{name}.txt.xz"
    path.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    print(f"{path.relative_to(ROOT)}: {len(text):,} characters, {len(lines):,} verses, "
          f"{path.stat().st_size / 1e6:.2f} MB compressed")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(MODULES))
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        extract(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
