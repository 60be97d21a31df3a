"""What a DQN-family network's outputs mean: Q-values (DQN as Mnih et al. write it) or, with
C51 (Bellemare et al., 2017), a categorical return distribution per action.

The agent asks its return model for values, for what the Bellman target needs from the target
network, and for the loss of the taken actions and its gradient. Plain DQN reads as the paper
does (:class:`QValues`); C51 adds its support, projection and cross-entropy in its own class
(:class:`CategoricalReturns`) instead of branching through the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.replay import Batch
from agents.targets import categorical_projection, double_dqn_target
from rlnn._checks import check_positive_int
from rlnn._typing import Array
from rlnn.special import log_softmax, softmax


@dataclass
class LossParts:
    """The loss of a minibatch's taken actions and what the update reports of it."""

    loss: float
    grad: Array
    """d loss / d network output, the output's shape"""
    q_taken: Array
    td_errors: Array
    priorities: Array
    """new replay priorities: |TD error|, or the cross-entropy for C51"""


class QValues:
    """One output per action, Q(s, a); the loss (Huber by default) of the taken actions'
    Q-values against ``r + γ·(1 - terminated)·Q_target(s', a*)``."""

    atoms = 1

    def __init__(self, n_actions: int, loss: Any) -> None:
        self.n_actions = n_actions
        self.loss = loss

    def values(self, output: Array) -> Array:
        """Q(s, ·), (batch, n_actions), from a network's output."""
        return output

    def target_outputs(self, output: Array) -> Array:
        """What the targets need of the target network's output: its Q-values."""
        return output

    def next_values(self, target_outputs: Array) -> Array:
        """Q_target(s', ·) of :meth:`target_outputs` (a* is picked on these or the online's)."""
        return target_outputs

    def targets(
        self, batch: Batch, selection: Array, target_outputs: Array, discounts: float | Array
    ) -> Array:
        """The Bellman targets (batch,): a* = argmax of ``selection``, valued by the target
        network."""
        return double_dqn_target(
            batch.rewards, batch.terminated, selection, target_outputs, discounts
        )

    def loss_parts(
        self,
        output: Array,
        batch: Batch,
        selection: Array,
        target_outputs: Array,
        discounts: float | Array,
    ) -> LossParts:
        """The loss of the taken actions (weighted per sample by the importance weights).

        Raises:
            FloatingPointError: the Q-values or targets are NaN or inf.
        """
        targets = self.targets(batch, selection, target_outputs, discounts)
        rows = np.arange(len(batch.actions))
        q_taken = output[rows, batch.actions]
        if not (np.all(np.isfinite(q_taken)) and np.all(np.isfinite(targets))):
            raise FloatingPointError("non-finite Q-values or Bellman targets")
        loss, grad_taken = self.loss.value_and_grad(q_taken, targets, batch.weights)
        grad = np.zeros_like(output)
        grad[rows, batch.actions] = grad_taken
        td_errors = q_taken - targets
        return LossParts(loss, grad, q_taken, td_errors, np.abs(td_errors))

    def settings(self) -> dict[str, Any]:
        """What a saved model needs to be read back (nothing for Q-values)."""
        return {}


class CategoricalReturns:
    """C51: ``atoms`` logits per action, a softmax over a fixed support in [v_min, v_max];
    the target is the target network's distribution of a* shifted by the Bellman operator and
    projected onto the support, the loss its cross-entropy with the taken action's
    distribution (the agent's ``loss`` is not used)."""

    def __init__(self, n_actions: int, atoms: int, v_min: float, v_max: float) -> None:
        self.n_actions, self.atoms = n_actions, atoms
        self.support = np.linspace(v_min, v_max, atoms, dtype=np.float32)

    @classmethod
    def checked(
        cls, owner: str, n_actions: int, n_atoms: int, v_min: float, v_max: float
    ) -> CategoricalReturns:
        """The C51 returns of ``owner``, after checking the support.

        Raises:
            ValueError: n_atoms < 2 or v_min >= v_max (the message names ``owner``).
        """
        atoms = check_positive_int(owner, "n_atoms", n_atoms)
        if atoms < 2 or not v_min < v_max:
            raise ValueError(
                f"{owner}: the C51 support needs n_atoms >= 2 and v_min < v_max, got "
                f"n_atoms={n_atoms}, v_min={v_min}, v_max={v_max}"
            )
        return cls(n_actions, atoms, v_min, v_max)

    def _logits(self, output: Array) -> Array:
        return output.reshape(len(output), self.n_actions, self.atoms)

    def values(self, output: Array) -> Array:
        """Q(s, ·), the mean of each action's return distribution, (batch, n_actions)."""
        return softmax(self._logits(output), axis=-1) @ self.support

    def target_outputs(self, output: Array) -> Array:
        """The target network's return distributions (batch, n_actions, atoms)."""
        return softmax(self._logits(output), axis=-1)

    def next_values(self, target_outputs: Array) -> Array:
        return target_outputs @ self.support

    def targets(
        self, batch: Batch, selection: Array, target_outputs: Array, discounts: float | Array
    ) -> Array:
        """The projected target distributions (batch, atoms) of a* = argmax ``selection``."""
        best = selection.argmax(axis=1)
        return categorical_projection(
            batch.rewards,
            batch.terminated,
            target_outputs[np.arange(len(best)), best],
            self.support,
            discounts,
        )

    def loss_parts(
        self,
        output: Array,
        batch: Batch,
        selection: Array,
        target_outputs: Array,
        discounts: float | Array,
    ) -> LossParts:
        """Cross-entropy of the taken actions' distributions with the projected targets.

        Raises:
            FloatingPointError: the logits are NaN or inf.
        """
        target_probs = self.targets(batch, selection, target_outputs, discounts)
        rows = np.arange(len(batch.actions))
        logits = self._logits(output)
        taken = logits[rows, batch.actions]
        if not np.all(np.isfinite(taken)):
            raise FloatingPointError("non-finite return-distribution logits")
        log_p = log_softmax(taken, axis=-1)
        p = np.exp(log_p)
        cross_entropy = -(target_probs * log_p).sum(axis=1)
        weights = np.ones(len(rows)) if batch.weights is None else batch.weights
        loss = float(np.mean(weights * cross_entropy))
        grad = np.zeros_like(logits)
        grad[rows, batch.actions] = (p - target_probs) * (weights / len(rows))[:, None]
        q_taken = p @ self.support
        td_errors = q_taken - target_probs @ self.support
        return LossParts(loss, grad.reshape(len(rows), -1), q_taken, td_errors, cross_entropy)

    def settings(self) -> dict[str, Any]:
        return {
            "distributional": True,
            "n_atoms": self.atoms,
            "v_min": float(self.support[0]),
            "v_max": float(self.support[-1]),
        }
