"""Prompting, measured: zero-shot, few-shot and step-by-step prompts on one model.

Without changing a weight, the same model answers better or worse depending on what it is
given to read. Three strategies, as the course names them:
- zero-shot: the instruction and the question;
- few-shot (Brown et al. 2020, "Language Models are Few-Shot Learners"): two worked
  examples before the question;
- step by step (Wei et al. 2022, chain of thought; Kojima et al. 2022, "Let's think step by
  step"): the model is asked to reason first and end with "Answer: ...".

Tasks written by the team (assets/posttraining/prompting.json, es and en): sentiment,
arithmetic word problems, extraction of a city. Each answer is checked by a simple rule
(`correct`). Greedy decoding, a few dozen new tokens at most: a run is short. A chat model
gets the prompt through its chat template; a base model reads it as a document. `run`
yields one `Outcome` at a time, with the exact text the model received.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from playground import backends
from playground.core.paths import ASSETS

DATA = ASSETS / "posttraining" / "prompting.json"
STRATEGIES = ("zero_shot", "few_shot", "step_by_step")
TASKS = ("sentiment", "arithmetic", "extraction")
NEW_TOKENS = {"zero_shot": 12, "few_shot": 12, "step_by_step": 48}
MAX_SECONDS = 150.0
ANSWER = {"en": "Answer:", "es": "Respuesta:"}
QUESTION = {"en": "Question:", "es": "Pregunta:"}


@lru_cache(maxsize=1)
def tasks() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))["tasks"]


def items(task: str, lang: str) -> list[tuple[str, str]]:
    return [tuple(i) for i in tasks()[task][lang]["items"]]


def build_prompt(task: str, strategy: str, question: str, lang: str) -> str:
    """The prompt's text for one question (before any chat template)."""
    spec = tasks()[task][lang]
    lines = [spec["instruction"]]
    if strategy == "few_shot":
        for q, a in spec["examples"]:
            lines += ["", f"{QUESTION[lang]} {q}", f"{ANSWER[lang]} {a}"]
    if strategy == "step_by_step":
        lines += [spec["step"]]
    lines += ["", f"{QUESTION[lang]} {question}"]
    if strategy != "step_by_step":
        lines += [ANSWER[lang]]
    return "\n".join(lines)


def model_input(lm, prompt: str) -> list[int]:
    """The token ids the model reads: through the chat template if it has one."""
    if lm.has_chat_template:
        return lm.chat_ids([{"role": "user", "content": prompt}])
    return lm.prompt_ids(prompt)


def final_answer(output: str, lang: str) -> str:
    """The part after the last "Answer:" if there is one, else the output's first line."""
    for marker in (ANSWER[lang], ANSWER["en"]):
        if marker.lower() in output.lower():
            return output[output.lower().rindex(marker.lower()) + len(marker):].strip()
    return output.strip().split("\n")[0]


def correct(task: str, output: str, expected: str, lang: str) -> bool:
    """Is the model's output the expected answer? Sentiment: the expected label and not the
    other; arithmetic: the first number of the final answer; extraction: the city's name in
    a short answer."""
    answer = final_answer(output, lang).lower()
    if task == "sentiment":
        labels = tasks()[task][lang]["labels"]
        said = [label for label in labels if label[:5] in answer]   # "positiv(o|e)", "negativ"
        return said == [expected]
    if task == "arithmetic":
        numbers = re.findall(r"-?\d+(?:[.,]\d+)?", answer)
        return bool(numbers) and numbers[0].replace(",", ".") in (expected, expected + ".0")
    # extraction: the name, in a short answer (echoing the whole sentence does not count)
    return expected.lower() in answer and len(answer.split()) <= len(expected.split()) + 3


@dataclass(frozen=True)
class Outcome:
    task: str
    strategy: str
    question: str
    expected: str
    model_text: str             # exactly what the model read (template included)
    output: str
    correct: bool
    seconds: float


def run(model_name: str, lang: str, strategies=STRATEGIES, task_names=TASKS, per_task: int = 4,
        max_seconds: float = MAX_SECONDS, stopped=lambda: False):
    """Yield an Outcome per (strategy, task, item), greedy; stop after `max_seconds`."""
    lm = backends.get(model_name)
    start = time.monotonic()
    for strategy in strategies:
        for task in task_names:
            for question, expected in items(task, lang)[:per_task]:
                if stopped() or time.monotonic() - start > max_seconds:
                    return
                ids = model_input(lm, build_prompt(task, strategy, question, lang))
                began = time.monotonic()
                new = lm.generate_ids(ids, NEW_TOKENS[strategy], temperature=0)
                output = lm.decode([i for i in new if i not in lm.eos_ids])
                yield Outcome(task, strategy, question, expected, lm.decode(ids), output,
                              correct(task, output, expected, lang), time.monotonic() - began)


def accuracy(outcomes) -> dict[tuple[str, str], tuple[int, int]]:
    """(strategy, task) -> (right, asked)."""
    table: dict[tuple[str, str], list[int]] = {}
    for o in outcomes:
        cell = table.setdefault((o.strategy, o.task), [0, 0])
        cell[0] += o.correct
        cell[1] += 1
    return {k: (v[0], v[1]) for k, v in table.items()}


def model_names() -> tuple[str, ...]:
    return backends.names(kind="causal_lm")


def model_text(model_name: str, task: str, strategy: str, lang: str) -> str:
    """What the model reads for the task's first question with this strategy."""
    lm = backends.get(model_name)
    question = items(task, lang)[0][0]
    return lm.decode(model_input(lm, build_prompt(task, strategy, question, lang)))


def figure(table: dict, lang: str):
    """Accuracy per task, one bar per strategy."""
    from playground.core.i18n import t
    from playground.core.plotstyle import base_layout
    from playground.core.plotstyle import figure as make_figure

    colors = {"zero_shot": "#9ca3af", "few_shot": "#1f77b4", "step_by_step": "#ff7f0e"}
    data = []
    for strategy in STRATEGIES:
        cells = [table.get((strategy, task)) for task in TASKS]
        data.append({"type": "bar", "name": t(f"pt_strategy_{strategy}", lang),
                     "x": [t(f"pt_task_{task}", lang) for task in TASKS],
                     "y": [100 * c[0] / c[1] if c else None for c in cells],
                     "text": [f"{c[0]}/{c[1]}" if c else "" for c in cells], "textposition": "outside",
                     "marker": {"color": colors[strategy]}})
    layout = base_layout(t("pt_prompting_title", lang), None, t("pt_accuracy", lang), 420)
    layout.update(barmode="group")
    layout["yaxis"]["range"] = [0, 115]
    layout["legend"].update(y=-0.15, yanchor="top", x=0, xanchor="left")
    layout["margin"]["b"] = 100
    return make_figure(data, layout)
