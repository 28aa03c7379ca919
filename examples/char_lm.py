"""A character-level language model in lucid: Embedding -> one-layer LSTM -> Linear, trained on prose that ships
with Python (the docstrings of 29 standard-library modules, about 145 KB; every tenth docstring is held out), then
sampled.

    python examples/char_lm.py                    # 1200 steps, seed 0: the loss falls from 4.5 to about 1.4
    python examples/char_lm.py --steps 300 --seed 1 --temperature 0.6

Training is truncated backpropagation through time: the text is cut into `batch_size` parallel streams, each step
reads the next `seq_len` characters of every stream, and the LSTM's state carries over from one step to the next
with its graph cut (`detach`). Adam, cross-entropy and gradient clipping (`clip_grad_norm_`). Sampling draws from
lucid's random source, so `lucid.random.seed` repeats the training and the sample.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import time
from typing import NamedTuple

import numpy as np

import lucid
from lucid import nn
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling

# Modules whose docstrings read like prose (few `>>>` examples or tables); the order fixes the text. About 50 KB
# of text (a dozen modules) is memorized within a minute: the held-out loss turns up after ~500 steps.
CORPUS_MODULES = (
    "argparse",
    "logging",
    "os",
    "shutil",
    "configparser",
    "optparse",
    "codecs",
    "urllib.request",
    "traceback",
    "wave",
    "socket",
    "itertools",
    "tempfile",
    "imaplib",
    "textwrap",
    "threading",
    "contextlib",
    "io",
    "dataclasses",
    "csv",
    "locale",
    "cmd",
    "abc",
    "functools",
    "copy",
    "unittest",
    "random",
    "pathlib",
    "string",
)


def load_docstrings(modules: tuple[str, ...] = CORPUS_MODULES) -> list[str]:
    """Each module's docstring, then the docstrings of its own public classes and functions (sorted by name).
    The same Python version gives the same list."""
    docs = []
    for name in modules:
        module = importlib.import_module(name)
        docs.append(inspect.getdoc(module) or "")
        public = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        for attr in sorted(public):
            obj = getattr(module, attr, None)
            own = getattr(obj, "__module__", None) == module.__name__
            if own and (inspect.isclass(obj) or inspect.isfunction(obj)):
                docs.append(inspect.getdoc(obj) or "")
    return [doc for doc in docs if doc]


def split_corpus(docs: list[str], every: int = 10) -> tuple[str, str]:
    """(training text, held-out text): every `every`-th docstring is held out, so both read alike."""
    train = [doc for i, doc in enumerate(docs) if i % every != every - 1]
    held_out = [doc for i, doc in enumerate(docs) if i % every == every - 1]
    return "\n\n".join(train), "\n\n".join(held_out)


class Vocabulary:
    """The characters of a text, each mapped to an index (sorted, so the mapping does not depend on the order)."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters {unknown} are not in the vocabulary of {len(self)} characters")
        return np.array([self.index[ch] for ch in text], dtype=np.int64)

    def decode(self, indices: list[int]) -> str:
        return "".join(self.chars[i] for i in indices)


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear: logits for the next character at every position."""

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(
        self, tokens: lucid.Tensor, state: tuple[lucid.Tensor, lucid.Tensor] | None = None
    ) -> tuple[lucid.Tensor, tuple[lucid.Tensor, lucid.Tensor]]:
        output, state = self.lstm(self.embed(tokens), state)
        return self.head(output), state


def batch_streams(data: np.ndarray, batch_size: int) -> np.ndarray:
    """Cut the encoded text into `batch_size` equal contiguous streams, one row each (the tail is dropped)."""
    length = len(data) // batch_size
    return data[: length * batch_size].reshape(batch_size, length)


def sample(model: CharLSTM, vocab: Vocabulary, prompt: str, length: int, temperature: float = 0.8) -> str:
    """`length` characters continuing `prompt`, each drawn from softmax(logits / temperature) with lucid's random
    source (lower temperatures pick the likely characters more often)."""
    model.eval()
    out: list[int] = []
    with lucid.no_grad():
        logits, state = model(lucid.tensor(vocab.encode(prompt)[None, :]))
        for _ in range(length):
            probs = F.softmax(logits[0, -1] / temperature, dim=-1)
            nxt = int(lucid.multinomial(probs, 1).item())
            out.append(nxt)
            logits, state = model(lucid.tensor([[nxt]]), state)
    return vocab.decode(out)


def held_out_loss(model: CharLSTM, streams: np.ndarray, loss_fn: nn.Module) -> float:
    """The mean loss per character on text the model never trained on (one forward over every stream)."""
    model.eval()
    with lucid.no_grad():
        logits, _ = model(lucid.tensor(streams[:, :-1]))
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), lucid.tensor(streams[:, 1:]).reshape(-1))
    model.train()
    return loss.item()


class Result(NamedTuple):
    losses: list[float]  # the training loss of every step
    held_out: list[tuple[int, float]]  # (step, loss on the held-out docstrings), every print_every steps
    sample: str  # the generated text (without the prompt)
    vocab: Vocabulary  # the characters the model knows (decode, encode)


def main(
    steps: int = 1200,
    seed: int = 0,
    batch_size: int = 32,
    seq_len: int = 64,
    hidden_size: int = 128,
    lr: float = 3e-3,
    max_norm: float = 1.0,
    print_every: int = 100,
    prompt: str = "The ",
    sample_length: int = 300,
    temperature: float = 0.8,
    verbose: bool = True,
) -> Result:
    """Train for `steps` truncated-BPTT steps, then sample `sample_length` characters after `prompt`."""
    lucid.random.seed(seed)
    train_text, test_text = split_corpus(load_docstrings())
    vocab = Vocabulary(train_text + test_text)
    streams = batch_streams(vocab.encode(train_text), batch_size)
    test_streams = batch_streams(vocab.encode(test_text), batch_size)
    chunks = (streams.shape[1] - 1) // seq_len  # steps in one pass over the training text
    if verbose:
        print(
            f"text: {len(train_text)} characters to train on, {len(test_text)} held out, {len(vocab)} distinct; "
            f"{chunks} steps of {batch_size}x{seq_len} a pass"
        )
        print(f"uniform guessing costs log({len(vocab)}) = {math.log(len(vocab)):.3f} nats a character")

    model = CharLSTM(len(vocab), hidden_size=hidden_size)
    optimizer = lucid.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses: list[float] = []
    held_out: list[tuple[int, float]] = []
    state = None
    start = time.perf_counter()
    model.train()
    for step in range(steps):
        chunk = step % chunks
        if chunk == 0:
            state = None  # a new pass starts every stream from its beginning: forget the old state
        window = streams[:, chunk * seq_len : chunk * seq_len + seq_len + 1]
        inputs, targets = lucid.tensor(window[:, :-1]), lucid.tensor(window[:, 1:])
        logits, state = model(inputs, state)
        state = (state[0].detach(), state[1].detach())  # truncate: no gradient flows into earlier chunks
        loss = loss_fn(logits.reshape(-1, len(vocab)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % print_every == 0 or step + 1 == steps:
            held_out.append((step + 1, held_out_loss(model, test_streams, loss_fn)))
            if verbose:
                recent = losses[-print_every:]
                seconds = time.perf_counter() - start
                print(
                    f"step {step + 1:5d}  train loss {sum(recent) / len(recent):.3f}  "
                    f"held-out loss {held_out[-1][1]:.3f}  {seconds:5.1f} s"
                )

    generated = sample(model, vocab, prompt, sample_length, temperature)
    if verbose:
        print(f"sample (temperature {temperature}):")
        print(prompt + generated)
    return Result(losses, held_out, generated, vocab)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a character-level LSTM on Python docstrings, then sample.")
    parser.add_argument("--steps", type=int, default=1200, help="training steps (default 1200)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the weights and the sample (default 0)")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    parser.add_argument("--length", type=int, default=300, help="characters to generate (default 300)")
    return parser.parse_args()


if __name__ == "__main__":
    args = _parse_args()
    main(steps=args.steps, seed=args.seed, temperature=args.temperature, sample_length=args.length)
