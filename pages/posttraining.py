"""The Post-training tab: fine-tuning to classify, a reward model and best-of-n, prompting."""
from __future__ import annotations

import threading

import gradio as gr

from playground import backends
from playground.core import validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.lifecycle import classification as cls
from playground.lifecycle import classification_figures as figs
from playground.lifecycle import prompting, reward
from playground.lifecycle import reward_figures as rfigs
from playground.lifecycle import tuning_figures, tuning_live
from pages.common import (I18N, LIGHT, MODEL, TRAINING, Radio, Slider,
                          acknowledge_frames, guard)

TAB_ID = "posttraining"
DEFAULT = cls.Config()
MAX_SENTENCE = 500
MAX_CANDIDATE_CHARS = 2_000
LATEX = [{"left": "$", "right": "$", "display": False}]


class CheckboxGroup(gr.CheckboxGroup):
    """Passes the raw value to the handler, which checks it in the visitor's language (as
    pages.common's Slider and Radio do): Gradio's own check answers None in English only."""
    is_template = True

    def preprocess(self, payload):
        return payload


# --- classification -----------------------------------------------------------------------------

def check_config(variants, epochs, top_layers, rank, lang) -> cls.Config:
    if not isinstance(variants, (list, tuple)) or not variants:
        raise UserError("pt_error_no_variant")
    chosen = [validate.choice(v, cls.VARIANTS, t("pt_variants", lang)) for v in variants]
    return cls.Config(
        lang=lang, variants=tuple(v for v in cls.VARIANTS if v in chosen),
        epochs=validate.integer(epochs, t("pt_epochs", lang), 1, cls.MAX_EPOCHS),
        top_layers=validate.integer(top_layers, t("pt_top_layers", lang), 1, cls.MAX_TOP_LAYERS),
        rank=validate.integer(rank, t("pt_rank", lang), 1, cls.MAX_RANK))


def encoder_parameters() -> int:
    return sum(p.numel() for p in backends.get(cls.ENCODER).model.parameters())


def status_text(frame, lang) -> str:
    seconds = f"{frame.seconds:.1f}"
    if frame.stopped == "done":
        return t("pt_status_done", lang, seconds=seconds)
    if frame.stopped == "seconds":
        return t("pt_status_seconds", lang, limit=cls.RUN_SECONDS)
    return t("pt_status_running", lang, variant=figs.variant_name(frame.current, lang), seconds=seconds)


@guard
def train(session, variants, epochs, top_layers, rank, lang):
    """Handler of `posttraining_train`: every chosen way in turn, streaming the curves."""
    config = check_config(variants, epochs, top_layers, rank, lang)
    session = cls.prepare(session, config)
    total = encoder_parameters()
    for frame in session.train():
        loss, accuracy = figs.curves(frame.results, len(session.data.labels), lang)
        yield (session, status_text(frame, lang), figs.summary(frame.results, total, lang),
               loss, accuracy)


@guard
def stop(session, lang):
    """Handler of `posttraining_stop`: end the run; what has trained so far stays."""
    if session is not None:
        session.stop(wait=2.0)
    return t("pt_status_stopped", lang)


def _chosen(session, variant):
    if session is None or not session.results:
        return None
    if variant in session.results:
        return variant
    tuned = [v for v in ("lora", "top") if v in session.results]
    return tuned[0] if tuned else next(iter(session.results))


@guard
def inspect(session, variant, lang):
    """Handler of `posttraining_inspect`: the confusion matrix and the before / after map
    of one trained way (what the run stored: nothing is recomputed)."""
    data = cls.messages(lang if session is None else session.config.lang)
    choices = [(figs.variant_name(v, lang), v) for v in (session.results if session else ())]
    variant = _chosen(session, variant)
    result = session.results[variant] if variant else None
    before = None
    if session is not None and "frozen" in session.results:
        before = session.results["frozen"].embeddings
    elif session is not None:
        before = cls.features(session.config.lang, session.config.top_layers).frozen["frozen"][1]
    after = None if result is None else result.embeddings
    return (gr.update(choices=choices, value=variant),
            figs.confusion(result, data.test_y, data.labels, lang),
            figs.embedding_map(before, after, data.test_y, data.labels, variant, lang))


@guard
def classify(session, text, lang):
    """Handler of `posttraining_classify`: the visitor's message through every trained way."""
    text = validate.text(text, MAX_SENTENCE)
    if session is None or not session.results:
        raise UserError("pt_error_untrained")
    return figs.probabilities(session.classify(text), session.data.labels, lang)


@guard
def lora_count(top_layers, rank, lang):
    """Handler of `posttraining_lora_count`: LoRA's trainable parameters by r (d + k)."""
    top = validate.integer(top_layers, t("pt_top_layers", lang), 1, cls.MAX_TOP_LAYERS)
    r = validate.integer(rank, t("pt_rank", lang), 1, cls.MAX_RANK)
    model = backends.get(cls.ENCODER).model
    d = k = model.config.hidden_size                          # query, value: D x D
    matrices = 2 * top
    count = cls.lora_parameters(r, [(d, k)] * matrices)
    full = sum(p.numel() for layer in model.encoder.layer[-top:] for p in layer.parameters())
    total = encoder_parameters()
    return t("pt_lora_count", lang, rank=r, layers=top, matrices=matrices, d=d, k=k, dk=d + k,
             count=f"{count:,}", share=f"{100 * count / total:.3f}", full=f"{full:,}")


def test_split_rows(lang) -> dict:
    """{"headers", "data"} for the gr.Dataframe: the held-out messages and their labels."""
    data = cls.messages(lang)
    return {"headers": [t("pt_col_text", lang), t("pt_col_label", lang)],
            "data": [[text, t(f"pt_label_{data.labels[y]}", lang)]
                     for text, y in zip(data.test_texts, data.test_y)]}


@guard
def show_test_split(lang):
    """Handler of `posttraining_test_split`: the held-out messages in the visitor's language."""
    return test_split_rows(lang)


def _classification(tab, lang):
    gr.Markdown(I18N("pt_cls_lesson"), latex_delimiters=LATEX)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            variants = CheckboxGroup([(I18N(f"pt_variant_{v}"), v) for v in cls.VARIANTS],
                                        value=list(DEFAULT.variants), label=I18N("pt_variants"),
                                        elem_id="pt-variants")
            epochs = Slider(1, cls.MAX_EPOCHS, value=DEFAULT.epochs, step=1, label=I18N("pt_epochs"),
                            elem_id="pt-epochs")
            top_layers = Slider(1, cls.MAX_TOP_LAYERS, value=DEFAULT.top_layers, step=1,
                                label=I18N("pt_top_layers"), elem_id="pt-top-layers")
            rank = Slider(1, cls.MAX_RANK, value=DEFAULT.rank, step=1, label=I18N("pt_rank"),
                          elem_id="pt-rank")
            count = gr.Markdown(elem_id="pt-lora-count")
            with gr.Row():
                train_btn = gr.Button(I18N("pt_train_button"), variant="primary", elem_id="pt-train")
                stop_btn = gr.Button(I18N("pt_stop_button"), elem_id="pt-stop")
        with gr.Column(scale=3):
            status = gr.Markdown(I18N("pt_status_ready"), elem_id="pt-status")
            table = gr.Markdown(elem_id="pt-summary")
            with gr.Row():
                loss = gr.Plot(show_label=False, elem_id="pt-loss")
                accuracy = gr.Plot(show_label=False, elem_id="pt-accuracy")
    shown = Radio([], label=I18N("pt_inspect"), elem_id="pt-inspect")
    with gr.Row():
        confusion = gr.Plot(show_label=False, elem_id="pt-confusion", scale=2)
        embedding_map = gr.Plot(show_label=False, elem_id="pt-map", scale=3)
    with gr.Row():
        sentence = gr.Textbox(label=I18N("pt_sentence"), value=I18N("pt_sentence_default"),
                              max_lines=3, elem_id="pt-sentence", scale=4)
        classify_btn = gr.Button(I18N("pt_classify_button"), elem_id="pt-classify", scale=1)
    probs = gr.Plot(show_label=False, elem_id="pt-probs")
    gr.Markdown(I18N("pt_cls_note"))
    with gr.Accordion(I18N("pt_test_split"), open=False):
        split = gr.Dataframe(value=test_split_rows("es"), interactive=False, wrap=True,
                             elem_id="pt-test-split")

    session = gr.State(None)
    running = train_btn.click(train, [session, variants, epochs, top_layers, rank, lang],
                              [session, status, table, loss, accuracy], api_name="posttraining_train",
                              show_progress="hidden", **TRAINING)
    acknowledge_frames(loss, session)
    running.then(inspect, [session, shown, lang], [shown, confusion, embedding_map],
                 api_visibility="private", show_progress="hidden", **LIGHT)
    stop_btn.click(stop, [session, lang], status, cancels=[running], api_name="posttraining_stop",
                   show_progress="hidden", **LIGHT)
    shown.input(inspect, [session, shown, lang], [shown, confusion, embedding_map],
                api_name="posttraining_inspect", show_progress="hidden", **LIGHT)
    gr.on([classify_btn.click, sentence.submit], classify, [session, sentence, lang], probs,
          api_name="posttraining_classify", **MODEL)
    gr.on([tab.select, top_layers.change, rank.change, lang.change], lora_count,
          [top_layers, rank, lang], count, api_name="posttraining_lora_count",
          trigger_mode="always_last", show_progress="hidden", **LIGHT)
    gr.on([tab.select, lang.change], show_test_split, lang, split,
          api_name="posttraining_test_split", show_progress="hidden", **LIGHT)


# --- reward model and best-of-n --------------------------------------------------------------------

def reward_summary(run, lang) -> str:
    before = reward.ordered(run.before.margins("test"))
    return t("pt_reward_summary", lang, before=f"{100 * before:.0f}",
             after=f"{100 * run.test_accuracy:.0f}", train=f"{100 * run.train_accuracy:.0f}",
             margin=f"{float(run.test_margins.mean()):.2f}", n=len(run.test_margins),
             encoder=backends.title(run.model.encoder))


@guard
def train_reward(encoder, lang):
    """Handler of `posttraining_reward_train`: fit the reward model on the train pairs."""
    encoder = validate.choice(encoder, reward.ENCODERS, t("pt_reward_encoder", lang))
    run = reward.train(encoder)
    return (run, reward_summary(run, lang), rfigs.loss_curve(run.losses, lang),
            rfigs.margins(reward.pairs("test"), run.test_margins, lang))


def parse_candidates(text) -> list[str]:
    text = validate.text(text, MAX_CANDIDATE_CHARS)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or len(lines) > reward.MAX_CANDIDATES:
        raise UserError("pt_error_candidates", low=2, high=reward.MAX_CANDIDATES)
    return lines


@guard
def best_of_n(run, encoder, prompt, candidates, lang):
    """Handler of `posttraining_best_of_n`: score each candidate, keep the best."""
    prompt = validate.text(prompt, MAX_SENTENCE)
    answers = parse_candidates(candidates)
    if run is None or run.model.encoder != encoder:      # no reward model yet: train one (ms)
        run = reward.train(validate.choice(encoder, reward.ENCODERS, t("pt_reward_encoder", lang)))
    scores, best = reward.best_of_n(run.model, prompt, answers)
    return (run, rfigs.candidate_scores(answers, scores, best, lang),
            t("pt_bon_best", lang, best=best + 1, answer=answers[best]))


@guard
def sample(model, prompt, n, lang):
    """Handler of `posttraining_sample`: n answers sampled from a causal LM of the app."""
    model = validate.choice(model, backends.names(kind="causal_lm"), t("pt_lm", lang))
    prompt = validate.text(prompt, MAX_SENTENCE)
    n = validate.integer(n, t("pt_n", lang), 2, reward.MAX_CANDIDATES)
    return "\n".join(a.replace("\n", " ") for a in reward.sample_candidates(model, prompt, n))


def example(lang, index=0):
    examples = reward.best_of_n_examples(lang)
    e = examples[index % len(examples)]
    return e["prompt"], "\n".join(e["candidates"])


def _reward(lang):
    gr.Markdown(I18N("pt_reward_lesson"), latex_delimiters=LATEX)
    with gr.Row():
        encoder = Radio([(backends.title(e), e) for e in reward.ENCODERS], value=reward.ENCODERS[0],
                        label=I18N("pt_reward_encoder"), elem_id="pt-reward-encoder", scale=3)
        reward_btn = gr.Button(I18N("pt_reward_button"), variant="primary", elem_id="pt-reward-train",
                               scale=1)
    summary = gr.Markdown(elem_id="pt-reward-summary")
    with gr.Row():
        curve = gr.Plot(show_label=False, elem_id="pt-reward-loss", scale=2)
        margins = gr.Plot(show_label=False, elem_id="pt-reward-margins", scale=3)
    gr.Markdown(I18N("pt_bon_lesson"), latex_delimiters=LATEX)
    prompt0, candidates0 = example("es")
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox(value=prompt0, label=I18N("pt_prompt"), max_lines=2, elem_id="pt-bon-prompt")
            candidates = gr.Textbox(value=candidates0, label=I18N("pt_candidates"), lines=5,
                                    max_lines=10, elem_id="pt-bon-candidates")
            with gr.Row():
                score_btn = gr.Button(I18N("pt_bon_button"), variant="primary", elem_id="pt-bon-score")
                lm = Radio([(backends.title(m), m) for m in backends.names(kind="causal_lm")],
                           value=backends.first("causal_lm"), label=I18N("pt_lm"), elem_id="pt-bon-lm")
                n = Slider(2, reward.MAX_CANDIDATES, value=4, step=1, label=I18N("pt_n"), elem_id="pt-bon-n")
            sample_btn = gr.Button(I18N("pt_sample_button"), elem_id="pt-bon-sample")
        with gr.Column(scale=3):
            scores = gr.Plot(show_label=False, elem_id="pt-bon-scores")
            best = gr.Markdown(elem_id="pt-bon-best")

    run = gr.State(None)
    reward_btn.click(train_reward, [encoder, lang], [run, summary, curve, margins],
                     api_name="posttraining_reward_train", **TRAINING)
    gr.on([score_btn.click], best_of_n, [run, encoder, prompt, candidates, lang], [run, scores, best],
          api_name="posttraining_best_of_n", **MODEL)
    sample_btn.click(sample, [lm, prompt, n, lang], candidates, api_name="posttraining_sample", **MODEL)
    lang.change(lambda lang: example(lang), lang, [prompt, candidates], api_visibility="private",
                queue=False)

# --- instruction tuning and preferences, live (playground/lifecycle/tuning_live.py) ------------

TUNING_KINDS = ("sft", "dpo")
TUNING_QUESTION_MAX = 300
TUNING_CSS = """
.tuning-answers { display: flex; gap: 1rem; flex-wrap: wrap; }
.tuning-answer { flex: 1 1 280px; border: 1px solid #d1d5db; border-radius: 0.4rem; padding: 0.5rem 0.8rem;
                 background: #f9fafb; font-size: 1.05rem; }
.tuning-question { margin: 0.4rem 0; font-size: 1.05rem; }
.tuning-template { white-space: pre-wrap; background: #f9fafb; border: 1px solid #d1d5db; border-radius: 0.4rem;
                   padding: 0.5rem; font-size: 1rem; }
"""


@guard
def tune(kind, question, steps, lr, lang):
    """`posttraining_tune`: SFT or DPO with LoRA on SmolLM2-135M-Instruct, streamed step by
    step: the loss figure, the status, and the fixed question's answer before and after."""
    kind = validate.choice(kind, TUNING_KINDS, t("tuning_kind", lang))
    question = validate.text(question, TUNING_QUESTION_MAX)
    steps = validate.integer(steps, t("tuning_steps", lang), 1, tuning_live.MAX_STEPS)
    lr = validate.number(lr, t("tuning_lr", lang), 1e-5, 1e-2)
    watch = tuning_live.watch_sft if kind == "sft" else tuning_live.watch_dpo
    stop = threading.Event()                   # first to the visitor's state, for Stop
    yield gr.skip(), gr.skip(), gr.skip(), stop
    for snap in watch(lang, question, steps=steps, lr=lr, stop_event=stop):
        yield (tuning_figures.loss_figure(snap, kind, lang), tuning_figures.status_text(snap, lang),
               tuning_figures.answers_html(snap, lang), gr.skip())


def stop_tuning(event):
    """Stop: the visitor's run ends after its current step (its answer after is still shown)."""
    if event is not None:
        event.set()


@guard
def use_shipped(question, lang):
    """`posttraining_dpo_shipped`: the DPO adapter trained by scripts/train_dpo_adapter.py."""
    question = validate.text(question, TUNING_QUESTION_MAX)
    snap = tuning_live.shipped_dpo(lang, question)
    return (tuning_figures.loss_figure(None, "dpo", lang), tuning_figures.status_text(snap, lang),
            tuning_figures.answers_html(snap, lang))


@guard
def compare(question, lang):
    """`posttraining_base_vs_instruct`: Gemma 3 base (as text, in the chat template) against the
    same model with the instruction adapter."""
    question = validate.text(question, TUNING_QUESTION_MAX)
    return tuning_figures.comparison_html(tuning_live.base_vs_instruct(question), lang)


def _compare(lang):
    gr.Markdown(I18N("tuning_compare_lesson"))
    with gr.Row():
        question = gr.Textbox(value="¿Qué detectan las primeras capas de una red convolucional?",
                              show_label=False, max_lines=2, scale=4, elem_id="compare-question")
        button = gr.Button(I18N("tuning_compare_button"), variant="primary", scale=1, elem_id="compare-run")
    out = gr.HTML(elem_id="compare-out", css_template=TUNING_CSS)
    gr.on([button.click, question.submit], compare, [question, lang], out,
          api_name="posttraining_base_vs_instruct", show_progress="minimal", **MODEL)


def _tuning(lang):
    gr.Markdown(I18N("tuning_lesson"))
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            kind = Radio([(I18N("tuning_kind_sft"), "sft"), (I18N("tuning_kind_dpo"), "dpo")], value="sft",
                         label=I18N("tuning_kind"), elem_id="tuning-kind")
            question = gr.Textbox(value="¿Qué es una red recurrente?", label=I18N("tuning_question_label"),
                                  max_lines=2, elem_id="tuning-question")
            steps = Slider(1, tuning_live.MAX_STEPS, value=20, step=1, label=I18N("tuning_steps"),
                           elem_id="tuning-steps")
            lr = Slider(0.0001, 0.003, value=0.001, step=0.0001, label=I18N("tuning_lr"), elem_id="tuning-lr")
            with gr.Row():
                go = gr.Button(I18N("tuning_train"), variant="primary", elem_id="tuning-train")
                stop = gr.Button(I18N("tuning_stop"), variant="stop", elem_id="tuning-stop")
            shipped = gr.Button(I18N("tuning_shipped"), elem_id="tuning-shipped")
        with gr.Column(scale=2):
            plot = gr.Plot(show_label=False, elem_id="tuning-plot")
            status = gr.Markdown(elem_id="tuning-status")
    answers = gr.HTML(elem_id="tuning-answers", css_template=TUNING_CSS)
    running = gr.State(None)
    go.click(tune, [kind, question, steps, lr, lang], [plot, status, answers, running],
             api_name="posttraining_tune", show_progress="minimal", **TRAINING)
    stop.click(stop_tuning, running, None, queue=False, api_visibility="private")
    shipped.click(use_shipped, [question, lang], [plot, status, answers], api_name="posttraining_dpo_shipped",
                  show_progress="minimal", **MODEL)


# --- prompting, measured ----------------------------------------------------------------------------

def check_strategies(strategies, lang) -> tuple[str, ...]:
    if not isinstance(strategies, (list, tuple)) or not strategies:
        raise UserError("pt_error_no_variant")
    chosen = [validate.choice(s, prompting.STRATEGIES, t("pt_strategies", lang)) for s in strategies]
    return tuple(s for s in prompting.STRATEGIES if s in chosen)


OUTCOME_COLUMNS = ("pt_strategy", "pt_task", "pt_col_question", "pt_col_expected", "pt_col_output",
                   "pt_col_right")


def outcome_rows(outcomes, lang) -> dict:
    return {"headers": [t(key, lang) for key in OUTCOME_COLUMNS],
            "data": [[t(f"pt_strategy_{o.strategy}", lang), t(f"pt_task_{o.task}", lang), o.question,
                      o.expected, o.output.strip(), "✔" if o.correct else "✘"] for o in outcomes]}


@guard
def measure(model, strategies, per_task, lang):
    """Handler of `posttraining_prompting`: each strategy on each task, streamed answer by answer."""
    model = validate.choice(model, prompting.model_names(), t("pt_prompting_model", lang))
    chosen = check_strategies(strategies, lang)
    n = validate.integer(per_task, t("pt_per_task", lang), 1, 4)
    outcomes, seconds = [], 0.0
    for outcome in prompting.run(model, lang, chosen, per_task=n):
        outcomes.append(outcome)
        seconds += outcome.seconds
        yield (t("pt_prompting_status", lang, done=len(outcomes), seconds=f"{seconds:.1f}"),
               prompting.figure(prompting.accuracy(outcomes), lang), outcome_rows(outcomes, lang))


@guard
def show_model_text(model, task, strategy, lang):
    """Handler of `posttraining_model_text`: the exact text the model reads."""
    model = validate.choice(model, prompting.model_names(), t("pt_prompting_model", lang))
    task = validate.choice(task, prompting.TASKS, t("pt_task", lang))
    strategy = validate.choice(strategy, prompting.STRATEGIES, t("pt_strategy", lang))
    return prompting.model_text(model, task, strategy, lang)


def _prompting(tab, lang):
    gr.Markdown(I18N("pt_prompting_lesson"))
    models = prompting.model_names()
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = Radio([(backends.title(m), m) for m in models], value=models[0],
                          label=I18N("pt_prompting_model"), elem_id="pt-prompting-model")
            strategies = CheckboxGroup([(I18N(f"pt_strategy_{s}"), s) for s in prompting.STRATEGIES],
                                          value=list(prompting.STRATEGIES), label=I18N("pt_strategies"),
                                          elem_id="pt-prompting-strategies")
            per_task = Slider(1, 4, value=2, step=1, label=I18N("pt_per_task"), elem_id="pt-prompting-n")
            with gr.Row():
                go_btn = gr.Button(I18N("pt_prompting_button"), variant="primary", elem_id="pt-prompting-run")
                stop_btn = gr.Button(I18N("pt_stop_button"), elem_id="pt-prompting-stop")
            status = gr.Markdown(elem_id="pt-prompting-status")
        with gr.Column(scale=2):
            chart = gr.Plot(show_label=False, elem_id="pt-prompting-chart")
    rows = gr.Dataframe(outcome_rows([], "es"), interactive=False, wrap=True, label=I18N("pt_outcomes"),
                        elem_id="pt-prompting-rows")
    with gr.Row():
        task = Radio([(I18N(f"pt_task_{k}"), k) for k in prompting.TASKS], value=prompting.TASKS[0],
                     label=I18N("pt_task"), elem_id="pt-prompting-task")
        strategy = Radio([(I18N(f"pt_strategy_{s}"), s) for s in prompting.STRATEGIES],
                         value="few_shot", label=I18N("pt_strategy"), elem_id="pt-prompting-strategy")
    text = gr.Textbox(label=I18N("pt_model_text"), lines=10, max_lines=20, interactive=False,
                      elem_id="pt-prompting-text")
    running = go_btn.click(measure, [model, strategies, per_task, lang], [status, chart, rows],
                           api_name="posttraining_prompting", **MODEL)
    stop_btn.click(None, None, None, cancels=[running], queue=False, api_visibility="private")
    gr.on([tab.select, model.change, task.change, strategy.change, lang.change], show_model_text,
          [model, task, strategy, lang], text, api_name="posttraining_model_text",
          trigger_mode="always_last", show_progress="hidden", **LIGHT)


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_posttraining"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("pt_lesson"))
        with gr.Accordion(I18N("pt_cls_heading"), open=True):
            _classification(tab, lang)
        with gr.Accordion(I18N("tuning_compare_section"), open=True):
            _compare(lang)
        with gr.Accordion(I18N("pt_reward_heading"), open=True):
            _reward(lang)
        with gr.Accordion(I18N("tuning_section"), open=True):
            _tuning(lang)
        with gr.Accordion(I18N("pt_prompting_heading"), open=True):
            _prompting(tab, lang)
    return tab
