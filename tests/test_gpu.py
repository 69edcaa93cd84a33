"""ZeroGPU readiness (playground/core/gpu.py): a no-op here, `spaces.GPU` on a ZeroGPU Space,
and the decorated path gives the same result on the CPU. A stand-in `spaces` module plays
ZeroGPU's (this machine has neither the package nor a GPU)."""
from __future__ import annotations

import sys
import types

import pytest
import torch

from playground.core import gpu
from playground.images import diffusion          # imported off ZeroGPU: undecorated here
from playground.lifecycle import pretraining
from playground.text import chat, generation


@pytest.fixture
def zero_gpu(monkeypatch):
    """A ZeroGPU Space as the app sees it: SPACES_ZERO_GPU set, a `spaces` whose GPU
    decorator records each call (and, like the real one off ZeroGPU, just runs the function)."""
    calls = []

    def GPU(fn=None, duration=60):                       # noqa: N802 - spaces' own name
        def decorate(f):
            def run(*args, **kwargs):
                calls.append((f.__name__, duration))
                return f(*args, **kwargs)
            return run
        return decorate(fn) if fn is not None else decorate

    fake = types.ModuleType("spaces")
    fake.GPU = GPU
    fake.__spec__ = types.SimpleNamespace(name="spaces")
    monkeypatch.setitem(sys.modules, "spaces", fake)
    monkeypatch.setenv(gpu.ZERO_GPU_ENV, "1")
    return calls


def test_off_zero_gpu_the_function_is_returned_unchanged(monkeypatch):
    monkeypatch.delenv(gpu.ZERO_GPU_ENV, raising=False)

    def f(x):
        return x + 1
    assert gpu.on_gpu(f) is f and gpu.on_gpu(duration=5)(f) is f
    assert not gpu.zero_gpu()


def test_on_zero_gpu_the_call_goes_through_spaces_gpu_with_its_duration(zero_gpu):
    decorated = gpu.on_gpu(duration=30)(lambda x: 2 * x)
    assert decorated(21) == 42
    assert zero_gpu == [("<lambda>", 30)]


def test_device_is_chosen_at_call_time_and_modules_move_there():
    assert gpu.device() == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = torch.nn.Linear(3, 2)
    assert gpu.to_device(net).type == next(net.parameters()).device.type
    assert gpu.to_device(None) == gpu.device()          # a model behind a server: untouched


def test_decorated_diffusion_sampling_gives_the_same_images(zero_gpu):
    """The shipped denoiser through the ZeroGPU path equals the plain call (same seed)."""
    plain = list(diffusion.stream_samples(2, 2, 5, 3.0, "ddim", 7, "en", max_frames=1))
    decorated = gpu.on_gpu(duration=30)(diffusion.stream_samples)
    through_gpu = list(decorated(2, 2, 5, 3.0, "ddim", 7, "en", max_frames=1))
    assert zero_gpu == [("stream_samples", 30)]
    assert len(plain) == len(through_gpu)
    for a, b in zip(plain, through_gpu):
        assert a.layout.title.text == b.layout.title.text
        assert a.data[0].z is not None and a.data[0].z == b.data[0].z


def test_decorated_generation_gives_the_same_tokens(zero_gpu):
    """SmolLM2's stream through the ZeroGPU path equals the plain call (same seed), and equals
    transformers' own greedy decoding at temperature 0 (the reference)."""
    from playground import backends

    prompt = "The capital of France is"
    plain = list(generation.stream(prompt, 6, 0.0, 0, 1.0, 0))[-1]
    decorated = gpu.on_gpu(duration=60)(generation.stream)
    through_gpu = list(decorated(prompt, 6, 0.0, 0, 1.0, 0))[-1]
    assert zero_gpu == [("stream", 60)]
    assert [t.token_id for t in plain] == [t.token_id for t in through_gpu]

    lm = backends.get("smollm2")
    ids = torch.tensor([list(generation.encode_prompt(prompt, "smollm2"))])
    with torch.inference_mode():
        reference = lm.model.generate(ids, max_new_tokens=6, do_sample=False)[0, ids.shape[1]:]
    assert [t.token_id for t in plain] == reference.tolist()[:len(plain)]


def test_decorated_chat_reply_gives_the_same_reply(zero_gpu, monkeypatch):
    """The chat's own model through the ZeroGPU path (`chat.local_reply`, one GPU call per
    reply) equals the plain call, and both equal transformers' greedy decoding of the same
    chat template (the reference) at temperature 0."""
    from playground import backends

    plain, context = list(chat.respond("", [], "What is the capital of France?", 0.0, 12))[-1]
    monkeypatch.setattr(chat, "local_reply", gpu.on_gpu(duration=60)(chat.local_reply))
    through_gpu, _ = list(chat.respond("", [], "What is the capital of France?", 0.0, 12))[-1]
    assert zero_gpu == [("local_reply", 60)]
    assert through_gpu == plain and plain[-1]["content"]

    lm = backends.get(chat.MODEL)
    ids = torch.tensor([list(context.ids)])
    with torch.inference_mode():
        reference = lm.model.generate(ids, max_new_tokens=12, do_sample=False)[0, ids.shape[1]:].tolist()
    ends = [i for i, token in enumerate(reference) if token in lm.eos_ids]
    assert plain[-1]["content"] == lm.decode(reference[:ends[0]] if ends else reference)


def test_decorated_pretraining_bursts_train_the_same_network(zero_gpu, monkeypatch):
    """A pre-training run split into ZeroGPU bursts (`pretraining.train_burst`, one GPU call
    per slice of steps, none while the page draws) trains the very same network as the plain
    run: same weights, same validation loss, same samples."""
    config = pretraining.Config(corpus="en", size="tiny", steps=120, prompt="And", seed=3)

    def run():
        session = pretraining.Session(config, pretraining.load_corpus(config))
        last = list(pretraining.train(session, frame_seconds=0))[-1]
        return session, last

    plain, plain_last = run()
    monkeypatch.setattr(pretraining, "train_burst",
                        gpu.on_gpu(duration=pretraining.BURST_GPU_SECONDS)(pretraining.train_burst))
    through_gpu, last = run()
    assert len(zero_gpu) >= 2                            # step 100's sample ends a burst at least
    assert set(zero_gpu) == {("train_burst", pretraining.BURST_GPU_SECONDS)}
    assert plain.step == through_gpu.step == 120 and last.stopped == plain_last.stopped == "steps"
    for (name, a), b in zip(plain.model.state_dict().items(), through_gpu.model.state_dict().values()):
        assert torch.equal(a, b), name
    # the curves' points fall where each run's time slices ended; the last one is the same
    assert through_gpu.history["val"][-1] == plain.history["val"][-1]
    assert through_gpu.samples == plain.samples
    assert set(plain.samples) == {0, 100}
