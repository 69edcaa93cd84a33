"""Prompting, measured (playground/lifecycle/prompting.py): the prompts, the answer checks,
and a short greedy run on SmolLM2 whose model text is what its chat template makes."""
import json

import pytest

from playground import backends
from playground.lifecycle import prompting as P


def test_task_file_is_bilingual_and_says_how_it_was_made():
    doc = json.loads(P.DATA.read_text(encoding="utf-8"))
    assert "written by hand" in doc["_how_made"].lower()
    for task in P.TASKS:
        for lang in ("es", "en"):
            assert len(P.items(task, lang)) >= 4


def test_prompts_differ_as_the_strategies_say():
    q = "Ana had 12 stickers and gave 5 away. How many are left?"
    zero = P.build_prompt("arithmetic", "zero_shot", q, "en")
    few = P.build_prompt("arithmetic", "few_shot", q, "en")
    step = P.build_prompt("arithmetic", "step_by_step", q, "en")
    assert zero.endswith(f"Question: {q}\nAnswer:")
    assert few.count("Question:") == 3 and few.count("Answer:") == 3 and few.endswith("Answer:")
    assert "step by step" in step and step.endswith(q)
    assert "Pregunta:" in P.build_prompt("sentiment", "few_shot", "Muy bueno", "es")


@pytest.mark.parametrize("task,output,expected,lang,right", [
    ("arithmetic", "7", "7", "en", True),
    ("arithmetic", "12 - 5 = 7. Answer: 7 stickers", "7", "en", True),
    ("arithmetic", "Answer: 17", "7", "en", False),
    ("arithmetic", "Respuesta: 24 sillas", "24", "es", True),
    ("sentiment", "Positive.", "positive", "en", True),
    ("sentiment", "positive or negative", "positive", "en", False),
    ("sentiment", "Respuesta: negativo", "negativo", "es", True),
    ("extraction", "Vienna", "Vienna", "en", True),
    ("extraction", "She studied music for three years in Vienna.", "Vienna", "en", False),
    ("extraction", "Madrid", "Vienna", "en", False),
])
def test_answer_checks(task, output, expected, lang, right):
    assert P.correct(task, output, expected, lang) is right


def test_a_short_run_shows_the_exact_model_text():
    outcomes = list(P.run("smollm2", "en", strategies=("zero_shot",), task_names=("sentiment",),
                          per_task=2))
    assert len(outcomes) == 2
    lm = backends.get("smollm2")
    prompt = P.build_prompt("sentiment", "zero_shot", outcomes[0].question, "en")
    # the reference: the tokenizer's own chat template, as text
    expected = lm.tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                                add_generation_prompt=True, tokenize=False)
    assert outcomes[0].model_text == expected
    table = P.accuracy(outcomes)
    assert table[("zero_shot", "sentiment")][1] == 2
    assert sum(o.correct for o in outcomes) == table[("zero_shot", "sentiment")][0]
