"""Token chips: one stylesheet and one HTML helper for every tab that shows tokens.

Two layouts of the same chip (`<span class="tok">`):
- running text (`text_html`): chips inline as the text flows, each coloured by what the
  lesson measures (Generation: the token's probability; the prompt grey);
- a row of stacked chips (`row_html`): the token, its id under it, and, for a byte piece,
  the character it belongs to (Tokens: colours cycle by position, special tokens dark).
Every text is escaped here; tags stay short, as thousands of chips may be drawn.
"""
from __future__ import annotations

import html

N_COLORS = 7          # position colours c0..c6, cycled

CSS = """
.tok { border-radius: 0.3rem; color: #111; border: 1px solid rgba(0,0,0,.1); }
.tok-text { font-size: 1.35rem; line-height: 2.3rem; white-space: pre-wrap; word-break: break-word; }
.tok-text .tok { padding: 0.1rem 0.05rem; margin: 0 1px; }
.tok-legend { margin-top: 0.6rem; font-size: 1rem; line-height: 2rem; }
.tok-legend .tok { padding: 0.1rem 0.4rem; margin: 0 1px; }
.tok-row { display: flex; flex-wrap: wrap; gap: 4px; max-height: 260px; overflow-y: auto;
           padding: 2px; line-height: 1; }
.tok-row .tok { display: inline-flex; flex-direction: column; align-items: center;
                padding: 4px 6px 3px; min-width: 1.4em; border-color: rgba(0,0,0,.12); }
.tok b { font-family: ui-monospace, monospace; font-size: 1.1rem; font-weight: 400;
         white-space: pre; color: #111; }
.tok i { font-style: normal; font-size: .72rem; color: #374151; margin-top: 3px; }
.tok u { text-decoration: none; font-size: .72rem; color: #7c2d12; margin-top: 2px; }
.tok.c0 { background: #dbeafe; } .tok.c1 { background: #fde68a; } .tok.c2 { background: #bbf7d0; }
.tok.c3 { background: #fecaca; } .tok.c4 { background: #e9d5ff; } .tok.c5 { background: #fed7aa; }
.tok.c6 { background: #a5f3fc; }
.tok.sp { background: #1f2937; }
.tok.sp b { color: #fff; }
.tok.sp i { color: #d1d5db; }
.tok.sp u { color: #fca5a5; }
.tok.nw { outline: 3px solid #dc2626; }
"""


def chip(text: str, *, classes: str = "", color: str | None = None, title: str = "",
         p: float | None = None, token_id: int | None = None, note: str = "") -> str:
    """One chip. With `token_id`, a stacked chip: the text (<b>), the id (<i>) and `note`
    (<u>, what a byte piece stands for). `p` is written as data-p (the page's tests read
    it); `color` is the background, `classes` adds c0..c6, sp (special), nw (new)."""
    attrs = f' class="tok {classes}"' if classes else ' class="tok"'
    if title:
        attrs += f' title="{html.escape(title)}"'
    if p is not None:
        attrs += f' data-p="{p:.4f}"'
    if color:
        attrs += f' style="background:{color}"'
    if token_id is None:
        body = html.escape(text)
    else:
        body = f"<b>{html.escape(text)}</b><i>{token_id}</i>"
        if note:
            body += f"<u>= {html.escape(note)}</u>"
    return f"<span{attrs}>{body}</span>"


def position_class(i: int) -> str:
    """The colour of the i-th chip of a row: neighbours always differ."""
    return f"c{i % N_COLORS}"


def text_html(chips: list[str]) -> str:
    """Chips as running text."""
    return f'<div class="tok-text">{"".join(chips)}</div>'


def row_html(chips: list[str]) -> str:
    """Stacked chips in a wrapping, scrolling row."""
    return f'<div class="tok-row">{"".join(chips)}</div>'
