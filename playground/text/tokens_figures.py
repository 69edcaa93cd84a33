"""The Tokens lesson's presentation: counts and costs as figures, tokens as chips.

Pure functions from playground.text.tokens' results (rows of the comparison, the costs,
BERT's and the chat template's views, the BPE steps) to plotly figures, Markdown and HTML
in the visitor's language. Chips come from playground.text.chips, stacked: the token, its
id under it and, for a byte piece, the character it belongs to; the bytes in the tooltip.
"""
from __future__ import annotations

import html

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt
from playground.text import chips as token_chips
from playground.text.pieces import readable
from playground.text.tokens import (MAX_DRAWN, BertView, BpeState, ChatView, Chip, chips_for, compare,
                                    compare_numbers)

# The chips' stylesheet, and the tab's headings, notes and tables around them.
CSS = token_chips.CSS + """
.tk-box { line-height: 1; }
.tk-head { font-size: 1.05rem; margin: 14px 0 6px; }
.tk-note { font-size: .95rem; color: #92400e; background: #fffbeb; border-radius: 6px;
           padding: 6px 10px; margin: 8px 0; }
.tk-mono { font-family: ui-monospace, monospace; font-size: .95rem; white-space: pre-wrap;
           word-break: break-all; margin: 6px 0; }
.tk-table { border-collapse: collapse; font-size: 1rem; margin-top: 8px; }
.tk-table th, .tk-table td { border-bottom: 1px solid #e5e7eb; padding: 4px 12px; text-align: left; }
.tk-table td.tk-t { font-family: ui-monospace, monospace; white-space: pre; }
.tk-scroll { max-height: 320px; overflow-y: auto; }
"""


def chips_html(chips: list[Chip], lang: str) -> str:
    """A row of stacked chips, coloured by position (special tokens dark, a new one outlined)."""
    spans = []
    for i, chip in enumerate(chips):
        classes = "sp" if chip.special else token_chips.position_class(i)
        if chip.new:
            classes += " nw"
        title = t("tokens_chip_title", lang, id=chip.id,
                  bytes=" ".join(f"{b:02X}" for b in chip.piece) or "-")
        spans.append(token_chips.chip(chip.label, classes=classes, title=title, token_id=chip.id,
                                      note=chip.note))
    return token_chips.row_html(spans)


def note_html(text: str) -> str:
    return f'<div class="tk-note">{html.escape(text)}</div>'


# --- 1. the comparison -----------------------------------------------------------------------

def compare_figure(rows, lang: str):
    names = [t(f"tokens_name_{r.name}", lang) for r in rows]
    y = list(range(len(rows)))[::-1]                  # the first tokenizer on top
    data = [{"type": "bar", "orientation": "h", "x": [r.count for r in rows], "y": y,
             "text": [t("tokens_bar_text", lang, n=r.count, cpt=fmt(r.chars_per_token, 2))
                      for r in rows],
             "textposition": "auto", "cliponaxis": False,
             "marker": {"color": ["#9ca3af", "#9ca3af", *["#1f77b4"] * 4, "#ff7f0e"][:len(rows)]},
             "hovertemplate": "%{text}<extra></extra>"}]
    layout = plotstyle.base_layout(t("tokens_bar_title", lang, chars=rows[0].n_chars),
                                   t("tokens_bar_x", lang), None, height=420)
    layout["yaxis"].update(tickvals=y, ticktext=names, zeroline=False)
    layout["margin"]["l"] = 190
    layout["showlegend"] = False
    return plotstyle.figure(data, layout)


def compare_html(rows, text: str, lang: str) -> str:
    parts = []
    if any(r.count > MAX_DRAWN for r in rows):
        parts.append(note_html(t("tokens_capped", lang, n=MAX_DRAWN)))
    for r in rows:
        head = t("tokens_row_head", lang, name=t(f"tokens_name_{r.name}", lang), n=r.count,
                 cpt=fmt(r.chars_per_token, 2))
        shown = r.tokens
        parts.append(f'<div class="tk-head">{html.escape(head)}</div>'
                     + chips_html(chips_for(r.name, shown, text), lang))
    return f'<div class="tk-box">{"".join(parts)}</div>'


def comparison(text: str, lang: str):
    """Figure, chips and numbers for the comparison: what the page shows."""
    rows = compare(text)
    return compare_figure(rows, lang), compare_html(rows, text, lang), compare_numbers(rows)


# --- 2. Spanish against English ----------------------------------------------------------------

def costs_figure(costs: dict, lang: str):
    names = list(costs)
    x = list(range(len(names)))
    es = [costs[n][0] for n in names]
    en = [costs[n][1] for n in names]
    data = [{"type": "bar", "x": x, "y": es, "name": t("tokens_costs_es", lang), "text": es,
             "textposition": "outside", "cliponaxis": False, "marker": {"color": "#c2410c"}},
            {"type": "bar", "x": x, "y": en, "name": t("tokens_costs_en", lang), "text": en,
             "textposition": "outside", "cliponaxis": False, "marker": {"color": "#1d4ed8"}}]
    layout = plotstyle.base_layout(t("tokens_costs_title", lang), None, t("tokens_costs_y", lang),
                                   height=440)
    layout["xaxis"].update(tickvals=x, ticktext=[t(f"tokens_short_{n}", lang) for n in names],
                           zeroline=False)
    layout["barmode"] = "group"
    layout["yaxis"]["range"] = [0, max(es + en + [1]) * 1.18]
    return plotstyle.figure(data, layout)


def costs_summary(costs: dict, lang: str) -> str:
    """One line per learned vocabulary: how many times more the Spanish costs (Markdown)."""
    lines = [t("tokens_costs_intro", lang), ""]
    for name, (es, en) in costs.items():
        if name in ("chars", "bytes"):
            continue
        lines.append(t("tokens_costs_line", lang, name=t(f"tokens_name_{name}", lang),
                       es=es, en=en, ratio=fmt(es / max(1, en), 2)))
    return "\n".join(lines)


# --- 3. BERT's special tokens, 4. SmolLM2's chat template -----------------------------------------

def bert_html(view: BertView, lang: str) -> str:
    parts = [f'<div class="tk-head">{html.escape(t("tokens_bert_head", lang, n=len(view.chips)))}</div>']
    if view.truncated:
        parts.append(note_html(t("tokens_bert_truncated", lang)))
    parts.append(chips_html(view.chips[:MAX_DRAWN + 2], lang))
    if len(view.chips) > MAX_DRAWN + 2:
        parts.append(note_html(t("tokens_capped", lang, n=MAX_DRAWN)))
    shown = slice(0, MAX_DRAWN + 2)
    parts.append(f'<div class="tk-mono"><b>input_ids</b> = {list(view.input_ids[shown])}</div>'
                 f'<div class="tk-mono"><b>attention_mask</b> = {list(view.attention_mask[shown])}</div>')
    return f'<div class="tk-box">{"".join(parts)}</div>'


def chat_html(view: ChatView, lang: str) -> str:
    head = t("tokens_chat_head", lang, n=len(view.chips), special=view.n_special)
    return (f'<div class="tk-box"><div class="tk-head">{html.escape(head)}</div>'
            f'{chips_html(view.chips[:MAX_DRAWN], lang)}'
            + (note_html(t("tokens_capped", lang, n=MAX_DRAWN)) if len(view.chips) > MAX_DRAWN else "")
            + f'<div class="tk-head">{html.escape(t("tokens_chat_text", lang))}</div>'
            f'<div class="tk-mono">{html.escape(view.text[:5000])}</div></div>')


# --- 5. BPE from scratch, step by step -------------------------------------------------------------

def bpe_view(state: BpeState, lang: str):
    """The BPE steps as the page shows them: figure, HTML, numbers."""
    return _bpe_figure(state.lengths, state.step, lang), _bpe_html(state, lang), state.numbers()


def _bpe_figure(lengths, k: int, lang: str):
    data = [{"type": "scatter", "x": list(range(len(lengths))), "y": list(lengths), "mode": "lines",
             "line": {"width": 4, "color": plotstyle.COLORS["line"]},
             "name": t("tokens_bpe_curve", lang), "hovertemplate": "%{x}: %{y}<extra></extra>"},
            {"type": "scatter", "x": [k], "y": [lengths[k]], "mode": "markers+text",
             "text": [str(lengths[k])], "textposition": "top right", "textfont": {"size": 18},
             "marker": {"size": 16, "color": plotstyle.COLORS["point"]},
             "name": t("tokens_bpe_point", lang)}]
    layout = plotstyle.base_layout(t("tokens_bpe_title", lang, k=k, n=lengths[k], start=lengths[0]),
                                   t("tokens_bpe_x", lang), t("tokens_bpe_y", lang), height=380)
    layout["yaxis"]["rangemode"] = "tozero"
    layout["showlegend"] = False
    return plotstyle.figure(data, layout)


def _bpe_html(state: BpeState, lang: str) -> str:
    model, k = state.model, state.step
    parts = []
    if state.asked > len(model.merges):
        parts.append(note_html(t("tokens_bpe_no_more", lang, n=len(model.merges))))
    if k:
        m = model.merges[k - 1]
        head = t("tokens_bpe_step", lang, k=k, a=readable(model.piece(m.pair[0])),
                 b=readable(model.piece(m.pair[1])), new=readable(model.piece(m.new_id)),
                 id=m.new_id, count=m.count)
    else:
        head = t("tokens_bpe_start", lang, n=len(state.ids))
    parts.append(f'<div class="tk-head">{html.escape(head)}</div>')
    parts.append(chips_html(state.chips(MAX_DRAWN), lang))
    if len(state.ids) > MAX_DRAWN:
        parts.append(note_html(t("tokens_capped", lang, n=MAX_DRAWN)))
    if k:
        rows = "".join(
            f"<tr><td>{j}</td><td class='tk-t'>{html.escape(readable(model.piece(m.pair[0])))}"
            f" + {html.escape(readable(model.piece(m.pair[1])))}</td>"
            f"<td class='tk-t'>{html.escape(readable(model.piece(m.new_id)))}</td>"
            f"<td>{m.new_id}</td><td>{m.count}</td></tr>"
            for j, m in reversed(list(enumerate(model.merges[:k], 1))))
        heads = "".join(f"<th>{html.escape(t(key, lang))}</th>" for key in
                        ("tokens_bpe_col_step", "tokens_bpe_col_pair", "tokens_bpe_col_new",
                         "tokens_bpe_col_id", "tokens_bpe_col_count"))
        parts.append(f'<div class="tk-head">{html.escape(t("tokens_bpe_table", lang))}</div>'
                     f'<div class="tk-scroll"><table class="tk-table"><tr>{heads}</tr>{rows}'
                     f'</table></div>')
    return f'<div class="tk-box">{"".join(parts)}</div>'
