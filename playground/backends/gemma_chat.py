"""Gemma 3 270M taught to chat here: the base model plus a LoRA adapter trained by this project.

Gemma 3 270M, as the app ships it, is a base model: it continues text, it does not answer.
`scripts/train_gemma_chat.py` instruction-tunes it with LoRA (Hu et al., 2021; `peft`) on
the team's instruction pairs in Spanish and English (assets/instructions/pairs.json): small
low-rank matrices B·A beside the attention and MLP projections of every layer, about 1.9M
numbers (0.7 % of the model), trained for a few minutes on a CPU. The adapter ships in
assets/weights/gemma3-chat-lora (a few MB, bfloat16).

Nothing is copied: the chat model is a second module tree over the *same* weight tensors as
the shared base model (`load_state_dict(assign=True)`), with the adapter's layers added to
that tree only. The base model the lessons use is never changed (the adapter is not merged
into it), and the chat model costs the adapter's few MB of memory.

The conversation format is Gemma 3's own (Google's chat template for its instruction-tuned
models; the GGUF of the base model carries none): turns between <start_of_turn> and
<end_of_turn>, the assistant's role called "model", a system prompt put in front of the
first user message:

    <bos><start_of_turn>user
    ¿Qué es LoRA?<end_of_turn>
    <start_of_turn>model
    LoRA ajusta un modelo sin tocar sus pesos ...<end_of_turn>
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from playground.core.paths import ASSETS

if TYPE_CHECKING:
    from playground.backends.causal_lm import CausalLM

TITLE = "Gemma 3 270M + LoRA (chat)"
ADAPTER = ASSETS / "weights" / "gemma3-chat-lora"
END_OF_TURN = "<end_of_turn>"

# Gemma 3's chat template, as in its instruction-tuned models' tokenizer_config.json (text only).
TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{%- set first_user_prefix = '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}"
    "{{ message['content'] | trim }}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


def installed() -> bool:
    """Is the adapter in place (it ships with the project; Gemma itself comes from its packages)."""
    return (ADAPTER / "adapter_config.json").exists() and (ADAPTER / "adapter_model.safetensors").exists()


def with_template(lm: CausalLM) -> CausalLM:
    """The same model and tokenizer, with Gemma 3's chat template (no weights copied)."""
    return dataclasses.replace(lm, chat_template=TEMPLATE)


def sharing_copy(model):
    """A second transformers model over the same weight tensors as `model` (nothing copied):
    what an adapter can be added to without touching the model the lessons use."""
    import copy

    import torch
    from transformers import AutoModelForCausalLM

    # Built on the meta device (no memory): a mode of this thread only, so a visitor's model
    # built at the same moment in another thread is not affected (accelerate's
    # init_empty_weights patches torch for every thread).
    with torch.device("meta"):
        twin = AutoModelForCausalLM.from_config(model.config, dtype=torch.float32)
    twin.load_state_dict(model.state_dict(), assign=True, strict=True)   # the same tensors
    buffers = dict(model.named_buffers())                 # and its buffers (rotary frequencies)
    for name, _ in list(twin.named_buffers()):
        owner, _, attr = name.rpartition(".")
        twin.get_submodule(owner)._buffers[attr] = buffers[name]
    twin.generation_config = copy.deepcopy(model.generation_config)
    return twin.eval()


def load(base: CausalLM, adapter: Path = ADAPTER) -> CausalLM:
    """The chat model: `base`'s weights (shared) with the LoRA adapter, Gemma's template, and
    <end_of_turn> as an end token."""
    from peft import PeftModel

    from playground.backends.compute import limit_torch_threads

    limit_torch_threads()
    twin = sharing_copy(base.model)
    end_of_turn = base.tokenizer.convert_tokens_to_ids(END_OF_TURN)
    twin.generation_config.eos_token_id = [base.tokenizer.eos_token_id, end_of_turn]
    model = PeftModel.from_pretrained(twin, str(adapter)).eval()
    return dataclasses.replace(base, name=TITLE, model=model, from_cache=None, chat_template=TEMPLATE)
