"""SGD, Adam and AdamW against torch.optim: same params, same gradients, same trajectory."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lucid
from lucid import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 3, 2)]
STEPS = 5


def _gradients(steps: int) -> list[list[np.ndarray]]:
    """Fixed per-step gradients whose scale changes from step to step (so amsgrad's running max matters)."""
    rng = np.random.default_rng(1)
    scales = [1.0, 0.1, 2.0, 0.5, 0.05, 1.5, 0.3, 0.8]
    return [[(scales[k % len(scales)] * rng.standard_normal(s)).astype(np.float32) for s in SHAPES]
            for k in range(steps)]  # fmt: skip


def _initial() -> list[np.ndarray]:
    rng = np.random.default_rng(2)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def _run_lucid(cls: type, kwargs: dict[str, Any], grads: list[list[np.ndarray]]) -> list[np.ndarray]:
    params = [lucid.tensor(a, requires_grad=True) for a in _initial()]
    opt = cls(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = g.copy()
        opt.step()
    return [p.numpy() for p in params]


def _run_torch(cls: type, kwargs: dict[str, Any], grads: list[list[np.ndarray]]) -> list[np.ndarray]:
    params = [torch.tensor(a, requires_grad=True) for a in _initial()]
    opt = cls(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "betas": (0.5, 0.99)}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name: str, kwargs: dict[str, Any]) -> None:
    grads = _gradients(STEPS)
    ours = _run_lucid(getattr(optim, name), kwargs, grads)
    theirs = _run_torch(getattr(torch.optim, name), kwargs, grads)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    # The updates are real: every parameter moved.
    for a, start in zip(ours, _initial(), strict=True):
        assert np.abs(a - start).max() > 1e-3


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_param_groups_with_their_own_hyperparameters_match_torch(name: str) -> None:
    grads = _gradients(STEPS)

    def run(lib: Any, make: Any) -> list[np.ndarray]:
        params = [make(a) for a in _initial()]
        groups = [{"params": params[:2], "lr": 0.03}, {"params": params[2:], "weight_decay": 0.2}]
        opt = getattr(lib.optim, name)(groups, lr=0.01, **({"momentum": 0.9} if name == "SGD" else {}))
        for step_grads in grads:
            for p, g in zip(params, step_grads, strict=True):
                p.grad = g.copy() if lib is lucid else torch.tensor(g)
            opt.step()
        return [np.array(p.detach().numpy()) for p in params]

    ours = run(lucid, lambda a: lucid.tensor(a, requires_grad=True))
    theirs = run(torch, lambda a: torch.tensor(a, requires_grad=True))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), ("Adam", {"lr": 0.01, "amsgrad": True}),
     ("AdamW", {"lr": 0.01, "weight_decay": 0.1})],
)  # fmt: skip
def test_state_dict_round_trip_continues_the_same_trajectory(name: str, kwargs: dict[str, Any]) -> None:
    grads = _gradients(6)
    cls = getattr(optim, name)
    params = [lucid.tensor(a, requires_grad=True) for a in _initial()]
    opt = cls(params, **kwargs)
    for step_grads in grads[:3]:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = g.copy()
        opt.step()
    saved = opt.state_dict()

    # A fresh optimizer with different hyperparameters takes them from the saved state.
    clones = [lucid.tensor(p.numpy(), requires_grad=True) for p in params]
    resumed = cls(clones, lr=123.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]
    assert resumed.param_groups[0]["params"][0] is clones[0]
    for step_grads in grads[3:]:
        for p, q, g in zip(params, clones, step_grads, strict=True):
            p.grad = g.copy()
            q.grad = g.copy()
        opt.step()
        resumed.step()
    for p, q in zip(params, clones, strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_state_dict_has_torchs_layout() -> None:
    params = [lucid.tensor(a, requires_grad=True) for a in _initial()]
    tparams = [torch.tensor(a, requires_grad=True) for a in _initial()]
    ours = optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.1}], amsgrad=True)
    theirs = torch.optim.Adam([{"params": tparams[:1]}, {"params": tparams[1:], "lr": 0.1}], amsgrad=True)
    params[2].grad = np.ones(SHAPES[2], dtype=np.float32)  # only the last parameter gets a step
    tparams[2].grad = torch.ones(SHAPES[2])
    ours.step()
    theirs.step()
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd["state"]) == list(tsd["state"]) == [2]
    assert sorted(sd["state"][2]) == sorted(tsd["state"][2])
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]] == [[0], [1, 2]]
    for ours_group, their_group in zip(sd["param_groups"], tsd["param_groups"], strict=True):
        for key in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
            assert ours_group[key] == their_group[key]
    # state_dict is a snapshot: later steps do not change it.
    ours.step()
    assert sd["state"][2]["step"] == 1


def test_load_state_dict_checks_the_grouping() -> None:
    a, b, c = (lucid.tensor(x, requires_grad=True) for x in _initial())
    saved = optim.SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="2 parameter groups, the optimizer has 1"):
        optim.SGD([a, b, c], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 1 has 2 params in the loaded state dict but 1"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.SGD([a], lr=0.1).load_state_dict({"lr": 0.1})


def test_load_state_dict_checks_buffer_shapes() -> None:
    a = lucid.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = np.ones(3, dtype=np.float32)
    opt.step()
    other = optim.SGD([lucid.zeros(4, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"momentum_buffer'\] has shape \(3,\), the parameter has shape \(4,\)"):
        other.load_state_dict(opt.state_dict())


def test_zero_grad_and_params_without_grad() -> None:
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.array([1.0, -1.0], dtype=np.float32)
    opt.step()
    assert b.tolist() == [3.0] and b not in opt.state and a in opt.state
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = np.ones(2, dtype=np.float32)
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0] and b.grad is None


def test_step_on_a_real_loss_does_not_build_a_graph() -> None:
    w = lucid.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)
    (w * w).sum().backward()
    opt.step()
    assert w.tolist() == [0.5, -1.0] and w.is_leaf and w.requires_grad
    assert opt.step(closure=lambda: 7.0) == 7.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.SGD(p, lr=float("nan")), "Invalid learning rate: nan"),
        (lambda p: optim.Adam(p, lr=-0.01), "Invalid learning rate: -0.01"),
        (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.AdamW(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
        (lambda p: optim.SGD(p + p, lr=0.1), r"params\[1\] is the same tensor as params\[0\]"),
        (lambda p: optim.SGD([{"params": p}, {"params": p}], lr=0.1), "more than one parameter group"),
        (lambda p: optim.SGD([p[0] * 2], lr=0.1), "not a leaf"),
    ],
)
def test_invalid_arguments_raise_value_error(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([lucid.zeros(2, requires_grad=True)])


def test_invalid_params_raise_type_error() -> None:
    w = lucid.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(w, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\] is a ndarray"):
        optim.SGD([np.zeros(2)], lr=0.1)  # type: ignore[list-item]


def test_add_param_group_fills_defaults() -> None:
    a, b = lucid.zeros(2, requires_grad=True), lucid.zeros(3, requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


# ---- every optimizer: torch's signature and defaults, and clear errors ------------------------------------------

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS"]
TORCH_ONLY = {"foreach", "capturable", "differentiable", "fused"}  # device/compilation switches lucid has no use for


@pytest.mark.parametrize("name", ALL)
def test_signature_and_defaults_match_torch(name: str) -> None:
    import inspect

    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = {k: v for k, v in inspect.signature(getattr(torch.optim, name)).parameters.items() if k not in TORCH_ONLY}
    assert list(ours) == [k for k in theirs if k in ours]
    assert set(ours) == set(theirs)
    for key, param in ours.items():
        assert param.default == theirs[key].default, key
        positional = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
        if theirs[key].kind == inspect.Parameter.KEYWORD_ONLY:
            assert param.kind == inspect.Parameter.KEYWORD_ONLY, key
        elif param.kind in positional:
            # Positional in lucid only where the positions agree with torch's.
            assert list(ours).index(key) == list(theirs).index(key), key


@pytest.mark.parametrize("name", ALL)
def test_default_hyperparameters_match_torch(name: str) -> None:
    ours = getattr(optim, name)([lucid.zeros(3, requires_grad=True)]).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(3, requires_grad=True)]).param_groups[0]
    assert set(ours) == set(theirs) - TORCH_ONLY
    for key in ours:
        if key != "params":
            assert ours[key] == theirs[key], key


def test_adagrad_holds_state_from_construction_like_torch() -> None:
    a, b = lucid.zeros(2, requires_grad=True), lucid.zeros(3, requires_grad=True)
    opt = optim.Adagrad([a, b], initial_accumulator_value=0.5)
    theirs = torch.optim.Adagrad([torch.zeros(2), torch.zeros(3)], initial_accumulator_value=0.5)
    sd, tsd = opt.state_dict(), theirs.state_dict()
    assert list(sd["state"]) == list(tsd["state"]) == [0, 1]
    np.testing.assert_array_equal(sd["state"][1]["sum"], tsd["state"][1]["sum"].numpy())
    # A group added later gets its state on its first step.
    c = lucid.ones(2, requires_grad=True)
    opt.add_param_group({"params": [c]})
    c.grad = np.ones(2, dtype=np.float32)
    opt.step()
    assert opt.state[c]["step"] == 1


def _p() -> list[lucid.Tensor]:
    return [lucid.zeros(2, requires_grad=True)]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: optim.RMSprop(_p(), lr=-0.1), ValueError, r"RMSprop: Invalid learning rate: -0.1 \(lr must be >= 0\)"),
        (lambda: optim.RMSprop(_p(), alpha=-0.5), ValueError, r"RMSprop: Invalid alpha value: -0.5 \(alpha must be"),
        (lambda: optim.RMSprop(_p(), momentum=-1), ValueError, "RMSprop: Invalid momentum value: -1"),
        (lambda: optim.Adagrad(_p(), lr_decay=-1.0), ValueError, "Adagrad: Invalid lr_decay value: -1.0"),
        (lambda: optim.Adagrad(_p(), initial_accumulator_value=-0.1), ValueError,
         "Adagrad: Invalid initial_accumulator_value value: -0.1"),
        (lambda: optim.Adadelta(_p(), rho=1.5), ValueError,
         r"Adadelta: Invalid rho value: 1.5 \(rho must be in \[0, 1\]\)"),
        (lambda: optim.Adamax(_p(), betas=(0.9, 1.0)), ValueError,
         r"Adamax: Invalid beta parameter at index 1: 1.0 \(betas\[1\] must be in \[0, 1\)\)"),
        (lambda: optim.NAdam(_p(), momentum_decay=-0.1), ValueError, "NAdam: Invalid momentum_decay value: -0.1"),
        (lambda: optim.NAdam(_p(), betas=(0.9,)), ValueError, r"NAdam: Invalid betas: \(0.9,\) \(expected a pair"),
        (lambda: optim.RAdam(_p(), eps=-1e-8), ValueError, "RAdam: Invalid epsilon value: -1e-08"),
        (lambda: optim.RAdam(_p(), betas=(-0.1, 0.9)), ValueError, "RAdam: Invalid beta parameter at index 0: -0.1"),
        (lambda: optim.ASGD(_p(), weight_decay=-1), ValueError, "ASGD: Invalid weight_decay value: -1"),
        (lambda: optim.ASGD(_p(), t0="soon"), TypeError, r"ASGD: Invalid t0 value: 'soon' \(t0 must be a number"),
        (lambda: optim.Rprop(_p(), etas=(1.2, 0.5)), ValueError,
         r"Rprop: Invalid eta values: 1.2, 0.5 \(etas must satisfy 0 < etaminus < 1 < etaplus\)"),
        (lambda: optim.Rprop(_p(), step_sizes=(1.0, 0.1)), ValueError, r"Rprop: Invalid step_sizes: \(1.0, 0.1\)"),
        (lambda: optim.Adam(_p(), lr="fast"), TypeError, r"Adam: Invalid learning rate: 'fast' \(lr must be a number"),
        (lambda: optim.AdamW(_p(), lr=float("nan")), ValueError, "AdamW: Invalid learning rate: nan"),
        (lambda: optim.RMSprop([], lr=0.1), ValueError, "RMSprop got an empty parameter list"),
        (lambda: optim.NAdam([{"params": _p(), "lr": -1.0}]), ValueError, "NAdam: Invalid learning rate: -1.0"),
    ],
)  # fmt: skip
def test_bad_hyperparameters_name_the_optimizer_the_argument_and_the_value(
    make: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        make()


def test_adamw_stays_decoupled_after_loading_an_adam_state() -> None:
    w = lucid.zeros(2, requires_grad=True)
    saved = optim.Adam([w], weight_decay=0.1).state_dict()
    opt = optim.AdamW([w])
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_steps_bump_the_parameter_version() -> None:
    # A graph that saved a parameter must notice that an optimizer step changed it.
    for name in ALL[:-1]:
        w = lucid.ones(3, requires_grad=True)
        opt = getattr(optim, name)([w])
        w.grad = np.ones(3, dtype=np.float32)
        before = w._version
        opt.step()
        assert w._version > before, name
