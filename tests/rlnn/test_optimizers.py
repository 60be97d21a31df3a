"""Optimizers: each update rule against scalar arithmetic written from its paper's formula,
convergence on an ill-conditioned quadratic and on Rosenbrock, clipping, state dicts."""

import math

import numpy as np
import pytest

from rlnn import optimizers, schedules
from rlnn.layers.base import Parameter

GRADS = [0.5, -0.3, 0.2, 0.4]


def run(name, **hyper):
    """Apply the fixed gradient sequence to θ0 = 1 and return θ after each step."""
    p = Parameter(np.array([1.0]))
    opt = optimizers.get(name, [p], **hyper)
    values = []
    for g in GRADS:
        p.grad[...] = g
        opt.step()
        values.append(float(p.value[0]))
    return values


def test_sgd_plain_and_with_weight_decay():
    theta, expected = 1.0, []
    for g in GRADS:
        theta -= 0.1 * (g + 0.01 * theta)
        expected.append(theta)
    assert run("sgd", lr=0.1, weight_decay=0.01) == pytest.approx(expected, abs=1e-12)


def test_sgd_heavy_ball_momentum_pytorch_formula():
    theta, buf, expected = 1.0, None, []
    for g in GRADS:
        buf = g if buf is None else 0.9 * buf + g
        theta -= 0.1 * buf
        expected.append(theta)
    assert run("sgd", lr=0.1, momentum=0.9) == pytest.approx(expected, abs=1e-12)


def test_sgd_dampening_gives_the_notes_moving_average_after_the_first_step():
    theta, v, expected = 1.0, None, []
    for g in GRADS:
        v = g if v is None else 0.9 * v + (1 - 0.9) * g  # v = γv + (1 − γ)∇
        theta -= 0.1 * v
        expected.append(theta)
    assert run("sgd", lr=0.1, momentum=0.9, dampening=0.9) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("alias", ["momentum", "sgd_momentum"])
def test_momentum_is_sgd_with_momentum_given_as_momentum_or_the_notes_beta(alias):
    expected = run("sgd", lr=0.1, momentum=0.9)
    assert run(alias, lr=0.1) == expected  # μ = 0.9 by default
    assert run(alias, lr=0.1, momentum=0.9) == expected
    assert run(alias, lr=0.1, beta=0.9) == expected
    assert run(alias, lr=0.1, beta=0.5) == run("sgd", lr=0.1, momentum=0.5)
    assert run(alias, lr=0.1, beta=0.9, dampening=0.9) == run(
        "sgd", lr=0.1, momentum=0.9, dampening=0.9
    )


@pytest.mark.parametrize("alias", ["nesterov", "nag"])
def test_nesterov_is_sgd_with_nesterov_momentum(alias):
    expected = run("sgd", lr=0.1, momentum=0.9, nesterov=True)
    assert run(alias, lr=0.1) == expected
    assert run(alias, lr=0.1, beta=0.9) == expected
    assert run(alias, lr=0.1, momentum=0.5) == run("sgd", lr=0.1, momentum=0.5, nesterov=True)


def test_gd_is_plain_gradient_descent():
    assert run("gd", lr=0.1) == run("sgd", lr=0.1)
    assert isinstance(optimizers.get("gd", [Parameter(np.zeros(1))]), optimizers.SGD)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_optimizers_rebuild_from_their_config(name):
    p = Parameter(np.zeros(2))
    opt = optimizers.get(name, [p], lr=0.05, beta=0.8)
    again = optimizers.get(opt.config(), [Parameter(np.zeros(2))])
    assert type(again) is type(opt) and again.config() == opt.config()
    assert opt.config()["momentum"] == 0.8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"momentum": 0.9, "beta": 0.5}, "momentum and beta are one coefficient"),
        ({"momentum": 0.0}, "momentum must be > 0, got 0.0"),
        ({"beta": 1.0}, "momentum must be < 1, got 1.0"),
    ],
)
@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_optimizers_check_the_coefficient(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.get(name, [Parameter(np.zeros(1))], **kwargs)


def test_sgd_nesterov():
    theta, buf, expected = 1.0, None, []
    for g in GRADS:
        buf = g if buf is None else 0.9 * buf + g
        theta -= 0.1 * (g + 0.9 * buf)
        expected.append(theta)
    assert run("sgd", lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(expected, abs=1e-12)


def test_adagrad():
    theta, s, expected = 1.0, 0.0, []
    for g in GRADS:
        s += g * g
        theta -= 0.1 * g / (math.sqrt(s) + 1e-10)
        expected.append(theta)
    assert run("adagrad", lr=0.1) == pytest.approx(expected, abs=1e-12)


def test_adadelta_zeiler():
    theta, eg2, edx2, expected = 1.0, 0.0, 0.0, []
    rho, eps = 0.9, 1e-6
    for g in GRADS:
        eg2 = rho * eg2 + (1 - rho) * g * g
        dx = math.sqrt(edx2 + eps) / math.sqrt(eg2 + eps) * g
        edx2 = rho * edx2 + (1 - rho) * dx * dx
        theta -= dx  # lr = 1, Zeiler's method
        expected.append(theta)
    assert run("adadelta") == pytest.approx(expected, abs=1e-12)


def test_rmsprop():
    theta, v, expected = 1.0, 0.0, []
    for g in GRADS:
        v = 0.99 * v + 0.01 * g * g
        theta -= 0.01 * g / (math.sqrt(v) + 1e-8)
        expected.append(theta)
    assert run("rmsprop", lr=0.01) == pytest.approx(expected, abs=1e-12)


def test_rmsprop_centered_with_momentum():
    theta, v, gavg, buf, expected = 1.0, 0.0, 0.0, 0.0, []
    for g in GRADS:
        v = 0.9 * v + 0.1 * g * g
        gavg = 0.9 * gavg + 0.1 * g
        buf = 0.5 * buf + g / (math.sqrt(v - gavg * gavg) + 1e-8)
        theta -= 0.01 * buf
        expected.append(theta)
    assert run("rmsprop", lr=0.01, alpha=0.9, momentum=0.5, centered=True) == pytest.approx(
        expected, abs=1e-10
    )


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_rmsprop_in_place_is_bit_identical_to_its_formula(centered, momentum, weight_decay, rng):
    # float32 over a vector: the in-place update rounds exactly as the expressions it replaced
    value = rng.standard_normal(1000).astype(np.float32)
    p = Parameter(value.copy(), "w")
    opt = optimizers.get(
        "rmsprop", [p], lr=0.01, alpha=0.95, eps=0.01, centered=centered,
        momentum=momentum, weight_decay=weight_decay,
    )  # fmt: skip
    theta, sq, ga, buf = value.copy(), np.zeros_like(value), np.zeros_like(value), 0.0
    for _ in range(20):
        g = rng.standard_normal(1000).astype(np.float32)
        p.grad[...] = g
        opt.step()
        if weight_decay:
            g = g + weight_decay * theta
        sq = sq * 0.95 + (1 - 0.95) * g * g
        if centered:
            ga = ga * 0.95 + (1 - 0.95) * g
            avg = np.sqrt(np.maximum(sq - ga * ga, 0.0)) + 0.01
        else:
            avg = np.sqrt(sq) + 0.01
        if momentum:
            buf = buf * momentum + g / avg
            theta = theta - 0.01 * buf
        else:
            theta = theta - 0.01 * g / avg
        np.testing.assert_array_equal(p.value, theta)


def kingma_ba(amsgrad=False, weight_decay=0.0, decoupled=False, b2=0.999):
    theta, m, v, vmax, expected = 1.0, 0.0, 0.0, 0.0, []
    b1, lr, eps = 0.9, 0.1, 1e-8
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            theta *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        m_hat = m / (1 - b1**t)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        theta -= lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(theta)
    return expected


def test_adam_kingma_ba():
    assert run("adam", lr=0.1) == pytest.approx(kingma_ba(), abs=1e-9)


def test_adam_amsgrad():
    # β2 = 0.5 lets v shrink after the first large gradient, so v_max differs from v.
    assert run("adam", lr=0.1, amsgrad=True, betas=(0.9, 0.5)) == pytest.approx(
        kingma_ba(amsgrad=True, b2=0.5), abs=1e-9
    )
    assert kingma_ba(amsgrad=True, b2=0.5) != pytest.approx(kingma_ba(b2=0.5), abs=1e-6)


def test_adam_coupled_and_adamw_decoupled_weight_decay():
    assert run("adam", lr=0.1, weight_decay=0.1) == pytest.approx(
        kingma_ba(weight_decay=0.1), abs=1e-9
    )
    assert run("adamw", lr=0.1, weight_decay=0.1) == pytest.approx(
        kingma_ba(weight_decay=0.1, decoupled=True), abs=1e-9
    )


def test_nadam_dozat_with_momentum_decay():
    theta, m, v, mu_prod, expected = 1.0, 0.0, 0.0, 1.0, []
    b1, b2, lr, eps, psi = 0.9, 0.999, 0.002, 1e-8, 0.004
    for t, g in enumerate(GRADS, start=1):
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_prod *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = math.sqrt(v / (1 - b2**t)) + eps
        theta -= lr * (1 - mu) / (1 - mu_prod) * g / denom
        theta -= lr * mu_next / (1 - mu_prod * mu_next) * m / denom
        expected.append(theta)
    assert run("nadam") == pytest.approx(expected, abs=1e-12)


def test_schedule_as_learning_rate():
    theta, expected = 1.0, []
    for t, g in enumerate(GRADS):
        theta -= 0.1 / (1 + 0.5 * t) * g
        expected.append(theta)
    lr = schedules.get({"name": "time_based", "initial": 0.1, "decay": 0.5})
    assert run("sgd", lr=lr) == pytest.approx(expected, abs=1e-12)


# Convergence ---------------------------------------------------------------------------


def quadratic(x):
    """f = ½(x0² + 100·x1²): condition number 100."""
    scales = np.array([1.0, 100.0])
    return 0.5 * float(np.sum(scales * x * x)), scales * x


def rosenbrock(x):
    a, b = x
    value = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    grad = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
    return float(value), grad


CONVERGENCE = {  # name: (hyperparameters on the quadratic, on Rosenbrock)
    "sgd": ({"lr": 0.009}, {"lr": 1e-3}),
    "sgd_momentum": ({"lr": 0.005, "momentum": 0.9}, {"lr": 2e-4, "momentum": 0.9}),
    "sgd_nesterov": (
        {"lr": 0.005, "momentum": 0.9, "nesterov": True},
        {"lr": 2e-4, "momentum": 0.9, "nesterov": True},
    ),
    "momentum": ({"lr": 0.005}, {"lr": 2e-4}),  # μ = 0.9 by default
    "nesterov": ({"lr": 0.005}, {"lr": 2e-4}),
    "adagrad": ({"lr": 0.5}, {"lr": 0.5}),
    "adadelta": ({}, {}),  # Zeiler's defaults: lr 1, rho 0.9, eps 1e-6
    "rmsprop": ({"lr": 0.01}, {"lr": 3e-3}),
    "adam": ({"lr": 0.05}, {"lr": 0.02}),
    "adamw": ({"lr": 0.05, "weight_decay": 0.0}, {"lr": 0.02, "weight_decay": 0.0}),
    "adam_amsgrad": ({"lr": 0.05, "amsgrad": True}, {"lr": 0.02, "amsgrad": True}),
    "nadam": ({"lr": 0.05}, {"lr": 0.02}),
}


def optimizer_name(key):
    return key.split("_")[0] if key.split("_")[0] in optimizers.names() else key


@pytest.mark.parametrize("key", sorted(CONVERGENCE))
@pytest.mark.parametrize(
    ("function", "start", "index"),
    [(quadratic, [3.0, 2.0], 0), (rosenbrock, [-1.2, 1.0], 1)],
    ids=["quadratic", "rosenbrock"],
)
def test_every_optimizer_reduces_hard_functions(key, function, start, index):
    p = Parameter(np.array(start))
    opt = optimizers.get(optimizer_name(key), [p], **CONVERGENCE[key][index])
    initial, _ = function(p.value)
    for _ in range(3000):
        _, p.grad[...] = function(p.value)
        opt.step()
    final, _ = function(p.value)
    assert final < 0.05 * initial, f"{key}: {initial:.3g} -> {final:.3g}"


def test_every_registered_optimizer_is_covered():
    covered = {optimizer_name(k) for k in CONVERGENCE} | {"lbfgs"}
    assert covered == set(optimizers.registry.canonical_names())


@pytest.mark.parametrize(
    ("function", "start"), [(quadratic, [3.0, 2.0]), (rosenbrock, [-1.2, 1.0])]
)
def test_lbfgs_minimizes_through_a_closure(function, start):
    p = Parameter(np.array(start))
    opt = optimizers.get("lbfgs", [p], max_iter=200)

    def closure():
        value, p.grad[...] = function(p.value)
        return value

    final = opt.step(closure)
    assert final < 1e-8
    np.testing.assert_allclose(p.value, [0, 0] if function is quadratic else [1, 1], atol=1e-3)


# Clipping, state, errors ---------------------------------------------------------------


def test_clip_grad_norm_returns_norm_before_clipping_and_scales_globally():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    a.grad[...] = [3.0, 0.0]
    b.grad[...] = [4.0]
    assert optimizers.clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0, 0.8], atol=1e-6)
    assert optimizers.clip_grad_norm([a, b], 10.0) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(a.grad, [0.6, 0], atol=1e-6)


def test_the_optimizer_clips_its_parameters_like_the_function():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    opt = optimizers.SGD([a, b], lr=0.1)
    a.grad[...] = [3.0, 0.0]  # views into the optimizer's flat gradient buffer now
    b.grad[...] = [4.0]
    assert opt.clip_grad_norm(1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0, 0.8], atol=1e-6)
    with pytest.raises(ValueError, match="max_norm must be > 0, got 0"):
        opt.clip_grad_norm(0.0)


def test_clip_grad_value():
    a = Parameter(np.zeros(3))
    a.grad[...] = [-2.0, 0.5, 3.0]
    optimizers.clip_grad_value([a], 1.0)
    np.testing.assert_array_equal(a.grad, [-1.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "name",
    ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam"],
)
def test_state_dict_roundtrip_continues_identically(name):
    def fresh():
        p = Parameter(np.array([1.0, -2.0]))
        kwargs = {"momentum": 0.9} if name in ("sgd", "rmsprop") else {}
        return p, optimizers.get(name, [p], lr=0.01, **kwargs)

    p1, opt1 = fresh()
    for g in GRADS[:2]:
        p1.grad[...] = g
        opt1.step()
    p2, opt2 = fresh()
    p2.value[...] = p1.value
    opt2.load_state_dict(opt1.state_dict())
    for g in GRADS[2:]:
        p1.grad[...] = p2.grad[...] = g
        opt1.step()
        opt2.step()
    np.testing.assert_array_equal(p1.value, p2.value)


def test_float32_parameters_stay_float32():
    p = Parameter(np.ones(3, dtype=np.float32))
    opt = optimizers.get("adam", [p])
    p.grad[...] = 0.5
    opt.step()
    assert p.value.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: optimizers.get("adam", p, lr=-1), "Adam: lr must be >= 0, got -1"),
        (
            lambda p: optimizers.get("adam", p, betas=(0.9, 1.0)),
            r"Adam: betas\[1\] must be < 1, got 1.0",
        ),
        (lambda p: optimizers.get("sgd", p, nesterov=True), "SGD: nesterov needs momentum > 0"),
        (lambda p: optimizers.get("rmsprop", p, alpha=1.5), "RMSprop: alpha must be <= 1, got 1.5"),
        (lambda p: optimizers.get("adamm", p), r"unknown optimizer 'adamm'; expected one of \["),
        (lambda p: optimizers.get("sgd", []), "optimizer: params must be a non-empty list"),
        (lambda p: optimizers.clip_grad_norm(p, 0), "clip_grad_norm: max_norm must be > 0, got 0"),
    ],
)
def test_bad_hyperparameters_fail_with_the_argument_name(call, message):
    with pytest.raises(ValueError, match=message):
        call([Parameter(np.zeros(2))])


@pytest.mark.parametrize(
    "name", ["adam", "adamw", "nadam", "rmsprop", "rmsprop_centered", "momentum"]
)
def test_flushing_subnormal_state_changes_no_weight(name, monkeypatch):
    """Entries whose gradient went to 0 decay into float32's (slow) subnormal range unless
    flushed; flushing must leave the weights exactly as they would be."""
    from rlnn.optimizers import base

    def run(flush_every):
        monkeypatch.setattr(base, "FLUSH_EVERY", flush_every)
        p = Parameter(np.linspace(-1, 1, 256, dtype=np.float32))
        extra = {"centered": True} if name == "rmsprop_centered" else {}
        opt = optimizers.get(name.removesuffix("_centered"), [p], lr=1e-2, **extra)
        rng = np.random.default_rng(0)
        for step in range(1500):
            grad = rng.standard_normal(256).astype(np.float32) * 1e-3
            grad[32:] = 0.0 if step > 5 else grad[32:]  # most entries stop getting gradient
            p.grad[...] = grad
            opt.step()
        state = np.concatenate([a.ravel() for arrays in opt._slots.values() for a in arrays])
        return p.value.copy(), state

    flushed, state = run(64)
    unflushed, raw_state = run(10**9)
    assert np.all(np.isfinite(flushed))
    np.testing.assert_array_equal(flushed, unflushed)
    tiny = np.finfo(np.float32).tiny
    assert not np.any((state != 0) & (np.abs(state) < tiny))  # no subnormal left
    if name in ("adam", "adamw", "nadam", "momentum"):
        assert np.any((raw_state != 0) & (np.abs(raw_state) < tiny))  # it was a real risk
