"""The RAG tab: the course's lessons (and the visitor's own files) chunked, indexed, searched
by BM25, dense (exact and HNSW) and hybrid retrieval, mapped, measured, and handed to a chat
model, whose answers with and without retrieval stream side by side.

The visitor's files live in their gr.State (a rag.Collection), never in anything shared.
The encoder and the answering model are dropdowns whose "auto" follows the language
(Spanish: the multilingual encoder and the best Spanish chat model)."""
from __future__ import annotations

import os

import gradio as gr

from playground.core import validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.lifecycle import rag, rag_answer, rag_figures, rag_files
from playground.text import chat
from pages.common import I18N, LIGHT, MODEL, Dropdown, Radio, Slider, guard

TAB_ID = "rag"
MAX_K = 5
MAX_EF = 64
MIN_TOKENS, MAX_TOKENS = 16, 200
DEFAULTS = {"chars": (400, 80), "words": (60, 12)}


def _encoder(value, lang) -> str:
    return rag.DEFAULT_ENCODER[lang] if value in (None, "", "auto") else validate.choice(value, rag.ENCODERS, "encoder")


def _model(value, lang) -> str:
    if value in (None, "", "auto"):
        return rag_answer.default_model(lang)
    return chat.model_choice(value, lang)


def _collection(own) -> rag.Collection:
    return own if isinstance(own, rag.Collection) else rag.Collection()


def _retrieve(question, size, overlap, unit, encoder, k, ef, own, lang):
    question = rag.check_question(question)
    size, overlap, unit = rag.check_chunking(size, overlap, unit)
    k = validate.integer(k, "k", 1, MAX_K)
    ef = validate.integer(ef, "efSearch", 1, MAX_EF)
    index = _collection(own).index(lang, size, overlap, unit, _encoder(encoder, lang))
    return question, index, k, ef


@guard
def upload(files, own, lang):
    """`rag_upload`: read the visitor's files into their own collection."""
    paths = [f if isinstance(f, str) else getattr(f, "name", "") for f in (files or [])]
    loaded = []
    for path in paths:
        if not path or not os.path.isfile(path):
            continue
        if os.path.getsize(path) > rag_files.MAX_BYTES:     # before reading it into memory
            raise UserError("rag_error_bytes", name=os.path.basename(path),
                            mb=round(os.path.getsize(path) / 1e6, 1), limit=rag_files.MAX_BYTES // 1_000_000)
        with open(path, "rb") as f:
            loaded.append((os.path.basename(path), f.read()))
    collection = rag.Collection(rag_files.add_files(_collection(own).docs, loaded))
    return collection, status(collection, lang), _doc_choices(collection, lang)


def status(collection, lang) -> str:
    names = _collection(collection).names()
    return t("rag_own_some", lang, docs=", ".join(names)) if names else t("rag_own_none", lang)


def _doc_choices(collection, lang, value=None):
    choices = [d.name for d in _collection(collection).all_docs(lang)]
    return gr.update(choices=choices, value=value) if value else gr.update(choices=choices)


@guard
def forget(lang):
    collection = rag.Collection()
    return collection, status(collection, lang), _doc_choices(collection, lang, "rag")


@guard
def chunks(doc, size, overlap, unit, own, lang):
    """`rag_chunks`: one document with its chunks drawn on its text, and how many there are."""
    size, overlap, unit = rag.check_chunking(size, overlap, unit)
    docs = {d.name: d for d in _collection(own).all_docs(lang)}
    if doc not in docs:
        raise UserError("rag_error_doc", name=str(doc)[:80])
    spans = rag.chunk_spans(docs[doc].text, size, overlap, unit)
    total = len(rag.chunk_docs(docs.values(), size, overlap, unit))
    summary = t("rag_chunks_summary", lang, doc=doc, n=len(spans), total=total, docs=len(docs))
    return rag_figures.chunks_html(docs[doc].text, spans), summary, status(own, lang)


@guard
def search(question, size, overlap, unit, encoder, k, ef, own, lang):
    """`rag_search`: the k best chunks by BM25, dense exact, dense approximate and hybrid,
    with their scores and timings, and the map of chunks and question."""
    question, index, k, ef = _retrieve(question, size, overlap, unit, encoder, k, ef, own, lang)
    found, query, ms = rag.timed_search(index, question, k, ef)
    note = t("rag_results_note", lang, n=len(index.chunks), encoder=rag_figures.SHORT_TITLES[index.encoder],
             **{stage: f"{v:.1f}" for stage, v in ms.items()},
             same=len(set(found["dense"].ids.tolist()) & set(found["ann"].ids.tolist())), k=len(found["dense"].ids))
    figure = rag_figures.map_figure(index, query, found["hybrid"].ids, question, lang)
    return rag_figures.results_html(index, found, lang), note, figure


@guard
def answer(question, size, overlap, unit, encoder, k, ef, model, max_tokens, own, lang):
    """`rag_answer`: the prompt built from the hybrid search's chunks, and the model's answer
    with that prompt and with the question alone, streamed one after the other."""
    question, index, k, ef = _retrieve(question, size, overlap, unit, encoder, k, ef, own, lang)
    model = _model(model, lang)
    n = validate.integer(max_tokens, t("rag_max_tokens", lang), MIN_TOKENS, MAX_TOKENS)
    for _ in chat.loading(model):
        yield gr.skip(), gr.skip(), gr.skip()
    retrieved = [index.chunks[i] for i in rag.search(index, question, k, ef)["hybrid"].ids]
    with_rag, without = rag_answer.contexts(question, retrieved, lang, model, n)
    prompt = chat.template_html(with_rag, lang)
    first = second = ""
    yield prompt, "", ""
    for first, second in rag_answer.answer_pair(with_rag, without, model, n):
        yield prompt, _with_cites(first, retrieved, lang), second
    yield prompt, _with_cites(first, retrieved, lang), second


def _with_cites(text: str, retrieved, lang) -> str:
    cited = rag_answer.citations(text, len(retrieved))
    line = (t("rag_cites", lang, cites=", ".join(f"[{i}] {retrieved[i - 1].doc}" for i in cited))
            if cited else t("rag_cites_none", lang))
    return f"{text}\n\n({line})"


@guard
def recall(size, overlap, unit, encoder, lang):
    """`rag_recall`: recall@1 and @3 of each method on the team's questions in this language."""
    size, overlap, unit = rag.check_chunking(size, overlap, unit)
    encoder = _encoder(encoder, lang)
    result = rag.recall(lang, size, overlap, unit, encoder)
    rows = "\n".join(f"| {t(f'rag_method_{m}', lang)} | {result[m][1]:.2f} | {result[m][3]:.2f} |"
                     for m in rag.METHODS)
    table = f"| | recall@1 | recall@3 |\n|---|---|---|\n{rows}"
    return rag_figures.recall_figure(result, lang, encoder), table


def unit_changed(unit):
    low, high = rag.SIZE_LIMITS.get(unit, rag.SIZE_LIMITS["chars"])
    size, overlap = DEFAULTS.get(unit, DEFAULTS["chars"])
    return (gr.update(minimum=low, maximum=high, value=size),
            gr.update(maximum=high // 2, value=overlap))


@guard
def search_again(question, size, overlap, unit, encoder, k, ef, own, shown, lang):
    """On a language switch: the results drawn again in the new language, if any are shown."""
    if not shown:
        return gr.skip(), gr.skip(), gr.skip()
    return search(question, size, overlap, unit, encoder, k, ef, own, lang)


@guard
def recall_again(size, overlap, unit, encoder, shown, lang):
    """On a language switch: the recall bars in the new language, if they are shown."""
    if not shown:
        return gr.skip(), gr.skip()
    return recall(size, overlap, unit, encoder, lang)


@guard
def follow_language(question, lang):
    """A question left at one language's example becomes the other's."""
    examples = {t("rag_question_default", code) for code in ("es", "en")}
    return t("rag_question_default", lang) if question in examples or not question else gr.skip()


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_rag"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("rag_lesson"))
        own = gr.State(rag.Collection())       # the visitor's files: theirs alone
        gr.Markdown(I18N("rag_docs_head"))
        with gr.Row():
            files = gr.File(label=I18N("rag_upload"), file_count="multiple", file_types=list(rag_files.SUFFIXES),
                            type="filepath", elem_id="rag-files", scale=3)
            with gr.Column(scale=2):
                own_status = gr.Markdown(I18N("rag_own_none"), elem_id="rag-own")
                forget_btn = gr.Button(I18N("rag_forget"), size="sm", elem_id="rag-forget")
        gr.Markdown(I18N("rag_chunking_head"))
        with gr.Row():
            unit = Radio([(I18N("rag_unit_chars"), "chars"), (I18N("rag_unit_words"), "words")], value="chars",
                         label=I18N("rag_unit"), elem_id="rag-unit")
            size = Slider(*rag.SIZE_LIMITS["chars"], value=400, step=1, label=I18N("rag_size"), elem_id="rag-size")
            overlap = Slider(0, rag.SIZE_LIMITS["chars"][1] // 2, value=80, step=1, label=I18N("rag_overlap"),
                             elem_id="rag-overlap")
            doc = Dropdown([d.name for d in rag.course_docs("es")], value="rag", label=I18N("rag_doc"),
                           elem_id="rag-doc")
        chunk_summary = gr.Markdown(elem_id="rag-chunk-summary")
        chunk_view = gr.HTML(elem_id="rag-chunks", css_template=rag_figures.CSS)

        gr.Markdown(I18N("rag_search_head"))
        with gr.Row():
            question = gr.Textbox("", label=I18N("rag_question"), lines=1, scale=4,
                                  max_length=rag.MAX_QUESTION_CHARS, elem_id="rag-question")
            search_btn = gr.Button(I18N("rag_search"), variant="primary", scale=1, elem_id="rag-search")
        with gr.Row():
            encoder = Dropdown([(I18N("rag_encoder_auto"), "auto"), ("USE multilingual v3", "multilingual"),
                                ("all-MiniLM-L6-v2", "minilm")], value="auto", label=I18N("rag_encoder"),
                               elem_id="rag-encoder")
            k = Slider(1, MAX_K, value=3, step=1, label=I18N("rag_k"), elem_id="rag-k")
            ef = Slider(1, MAX_EF, value=16, step=1, label=I18N("rag_ef"), elem_id="rag-ef")
        note = gr.Markdown(elem_id="rag-note")
        results = gr.HTML(elem_id="rag-results", css_template=rag_figures.CSS)
        map_plot = gr.Plot(elem_id="rag-map", show_label=False)

        gr.Markdown(I18N("rag_answer_head"))
        with gr.Row():
            model = Dropdown([(I18N("rag_model_auto"), "auto")] + [(chat.title(m), m) for m in chat.models()],
                             value="auto", label=I18N("rag_model"), elem_id="rag-model")
            max_tokens = Slider(MIN_TOKENS, MAX_TOKENS, value=48, step=1, label=I18N("rag_max_tokens"),
                                elem_id="rag-max-tokens")
            answer_btn = gr.Button(I18N("rag_answer"), variant="primary", elem_id="rag-answer")
            stop_btn = gr.Button(I18N("rag_stop"), variant="stop", elem_id="rag-stop")
        with gr.Row():
            with_box = gr.Textbox(label=I18N("rag_with"), placeholder=I18N("rag_answer_wait"), lines=6,
                                  interactive=False, elem_id="rag-with")
            without_box = gr.Textbox(label=I18N("rag_without"), lines=6, interactive=False,
                                     elem_id="rag-without")
        with gr.Accordion(I18N("rag_prompt_label"), open=False):
            prompt = gr.HTML(elem_id="rag-prompt", css_template=rag_figures.CSS + chat_css())

        gr.Markdown(I18N("rag_measure_head"))
        measure_btn = gr.Button(I18N("rag_measure"), elem_id="rag-measure")
        with gr.Row():
            recall_plot = gr.Plot(elem_id="rag-recall", show_label=False, scale=3)
            with gr.Column(scale=2, min_width=380):
                recall_table = gr.Markdown(elem_id="rag-recall-table")

        chunk_inputs = [doc, size, overlap, unit, own, lang]
        search_inputs = [question, size, overlap, unit, encoder, k, ef, own, lang]
        quiet = {"show_progress": "hidden"}
        gr.on([tab.select, doc.change, size.change, overlap.change, lang.change], chunks, chunk_inputs,
              [chunk_view, chunk_summary, own_status], api_name="rag_chunks", trigger_mode="always_last",
              **quiet, **LIGHT)
        unit.input(unit_changed, unit, [size, overlap], queue=False, api_visibility="private")
        files.upload(upload, [files, own, lang], [own, own_status, doc], api_name="rag_upload", **LIGHT)
        forget_btn.click(forget, [lang], [own, own_status, doc], api_visibility="private", **LIGHT)
        gr.on([search_btn.click, question.submit], search, search_inputs, [results, note, map_plot],
              api_name="rag_search", show_progress="minimal", **MODEL)
        answering = answer_btn.click(answer, search_inputs[:-2] + [model, max_tokens, own, lang],
                                     [prompt, with_box, without_box], api_name="rag_answer",
                                     show_progress="minimal", **MODEL)
        stop_btn.click(None, cancels=[answering], api_visibility="private")
        measure_btn.click(recall, [size, overlap, unit, encoder, lang], [recall_plot, recall_table],
                          api_name="rag_recall", show_progress="minimal", **MODEL)
        tab.select(follow_language, [question, lang], question, api_visibility="private", **quiet, **LIGHT)
        lang.change(follow_language, [question, lang], question, api_visibility="private", **quiet, **LIGHT).then(
            search_again, search_inputs[:-1] + [results, lang], [results, note, map_plot],
            api_visibility="private", **quiet, **MODEL)
        lang.change(recall_again, [size, overlap, unit, encoder, recall_table, lang], [recall_plot, recall_table],
                    api_visibility="private", **quiet, **MODEL)
    return tab


def chat_css() -> str:
    """The chat tab's look for the templated prompt (special tokens highlighted)."""
    return """
.chat-template-head { font-size: 1rem; margin-bottom: 0.3rem; }
.chat-template { white-space: pre-wrap; word-break: break-word; font-size: 1.0rem; line-height: 1.5rem;
                 background: #f9fafb; border: 1px solid #d1d5db; border-radius: 0.4rem; padding: 0.6rem;
                 max-height: 460px; overflow-y: auto; margin: 0; }
.chat-special { background: #fde68a; color: #7c2d12; font-weight: 700; border-radius: 0.2rem; }
.chat-nl { color: #9ca3af; }
"""
