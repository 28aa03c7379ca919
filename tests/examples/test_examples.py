"""The two training examples in examples/ really train: the digits CNN reaches 97% held-out accuracy, the character
LSTM's loss falls well below chance and it samples text from its vocabulary. Both repeat exactly for a seed."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """Import examples/<name>.py by path: the examples are scripts, not a package shipped with lucid."""
    module_name = f"lucid_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # NamedTuple and dataclass machinery look the module up by name
    spec.loader.exec_module(module)
    return module


def without_timings(text: str) -> str:
    return re.sub(r"\d+\.\d+ s\b", "<t> s", text)


# ---- examples/train_digits.py ----


@pytest.fixture(scope="module")
def digits() -> ModuleType:
    pytest.importorskip("sklearn", reason="examples/train_digits.py trains on scikit-learn's bundled digits")
    return load_example("train_digits")


def test_digits_reaches_97_percent_held_out(digits: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    start = time.perf_counter()
    accuracy = digits.main(seed=0)
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    assert accuracy >= 0.97, out
    # About 3 s on one core of the development machine; the bound leaves room for a slow, shared CI runner.
    assert seconds < 60, f"train_digits.main took {seconds:.1f} s"
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 12
    assert all("train loss" in line and "held-out acc" in line for line in epoch_lines)
    assert f"final held-out accuracy: {accuracy:.4f}" in out


def test_digits_repeats_for_a_seed_and_differs_across_seeds(
    digits: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = []
    for seed in (5, 5, 6):
        digits.main(epochs=2, seed=seed)
        runs.append(without_timings(capsys.readouterr().out))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_digits_command_line() -> None:
    pytest.importorskip("sklearn", reason="examples/train_digits.py trains on scikit-learn's bundled digits")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_digits.py"), "--epochs", "1", "--seed", "3"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("epoch  1  train loss")
    assert lines[-1].startswith("final held-out accuracy: ")


# ---- examples/char_lm.py ----


@pytest.fixture(scope="module")
def char_lm() -> ModuleType:
    return load_example("char_lm")


def test_char_lm_loss_falls_and_samples_from_its_vocabulary(char_lm: ModuleType) -> None:
    result = char_lm.main(steps=120, seed=0, print_every=40, sample_length=80, verbose=False)
    losses = result.losses
    chance = math.log(len(result.vocab))
    assert len(losses) == 120
    assert abs(losses[0] - chance) < 0.5  # an untrained model is close to guessing uniformly
    first = sum(losses[:10]) / 10
    last = sum(losses[-24:]) / 24  # the last 20% of the steps
    assert last < first - 1.0, (first, last)
    assert last < chance - 1.5, (chance, last)
    # Text it never trained on gets easier too: the model learns the language, not the training text.
    assert [step for step, _ in result.held_out] == [40, 80, 120]
    assert result.held_out[-1][1] < result.held_out[0][1] - 0.3
    assert isinstance(result.sample, str)
    assert len(result.sample) == 80
    assert set(result.sample) <= set(result.vocab.chars)


def test_char_lm_repeats_for_a_seed(char_lm: ModuleType) -> None:
    first = char_lm.main(steps=3, seed=7, sample_length=30, verbose=False)
    again = char_lm.main(steps=3, seed=7, sample_length=30, verbose=False)
    other = char_lm.main(steps=3, seed=8, sample_length=30, verbose=False)
    assert first.losses == again.losses
    assert first.sample == again.sample
    assert first.sample != other.sample


def test_char_lm_corpus_is_held_out_by_docstring(char_lm: ModuleType) -> None:
    docs = char_lm.load_docstrings()
    train, held_out = char_lm.split_corpus(docs)
    assert len(train) + len(held_out) > 100_000  # enough text that a minute's training does not memorize it
    assert docs[9] in held_out and docs[9] not in train
    assert docs[0] in train and docs[0] not in held_out


def test_readme_training_loop_runs_as_printed(digits: ModuleType) -> None:
    """The README's training-loop snippet, run as it is printed on the digits, trains the example's model."""
    import lucid
    import lucid.data
    from lucid import nn

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Training with lucid") :]
    snippet = re.search(r"```python\n(.+?)```", section, re.S)
    assert snippet is not None and "OneCycleLR" in snippet.group(1)
    images, labels = digits.load_digits_dataset().tensors
    model = digits.build_model()
    names = {"lucid": lucid, "nn": nn, "images": images, "labels": labels, "model": model}
    exec(snippet.group(1), names)
    accuracy = digits.evaluate(model, lucid.data.DataLoader(names["test_set"], batch_size=256))
    assert accuracy >= 0.97
