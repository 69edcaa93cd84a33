"""What a learner would like to know about a loaded transformers model, read from the model itself."""
from __future__ import annotations


def model_facts(model, tokenizer) -> dict:
    """What a learner would like to know about a loaded transformers model."""
    config = model.config
    params = {p.data_ptr(): p for p in model.parameters()}            # tied weights once
    buffers = {b.data_ptr(): b for b in model.buffers()}
    nbytes = sum(t.numel() * t.element_size() for t in [*params.values(), *buffers.values()])
    return {
        "parameters": sum(p.numel() for p in params.values()),
        "layers": _first(config, "num_hidden_layers", "n_layer", "num_layers"),
        "heads": _first(config, "num_attention_heads", "n_head", "num_heads"),
        "vocab_size": len(tokenizer),
        "dim": _first(config, "hidden_size", "n_embd", "d_model"),
        "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
        "bytes_in_memory": nbytes,
    }


def _first(config, *names):
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            return value
    return None
