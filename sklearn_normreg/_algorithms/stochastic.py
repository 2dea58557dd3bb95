"""Stochastic optimisers on one flat parameter vector, as scikit-learn's MLP has them.

Each ``step(theta, grad)`` updates ``theta`` in place and returns the step it
took per coordinate (or a scalar), so that :func:`~._algorithms.prox.proximal_step`
applies the penalty's proximal operator with that step.
"""

import numpy as np

__all__ = ["AdamOptimizer", "SGDOptimizer"]


class SGDOptimizer:
    """Minibatch SGD with momentum, as scikit-learn's, on one flat vector.

    ``step`` returns the step size the update used (the learning rate), for
    the proximal step of the non-smooth penalty.
    """

    def __init__(self, size, dtype, learning_rate_init, lr_schedule, momentum, nesterov, power_t):
        self.learning_rate_init = self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(size, dtype=dtype)

    def step(self, theta, grad):
        self.velocity *= self.momentum
        self.velocity -= self.learning_rate * grad
        if self.nesterov:
            theta += self.momentum * self.velocity - self.learning_rate * grad
        else:
            theta += self.velocity
        return self.learning_rate

    def state_is_finite(self):
        """Whether the velocity is finite (an overflowing gradient shows here first)."""
        return bool(np.isfinite(self.velocity).all())

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t

    def trigger_stopping(self, message, verbose):
        """Whether to stop; the 'adaptive' schedule first divides the rate by 5."""
        if self.lr_schedule != "adaptive" or self.learning_rate <= 1e-6:
            if verbose:
                print(message + " Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(message + f" Setting learning rate to {self.learning_rate:f}")
        return False


class AdamOptimizer:
    """Adam, as scikit-learn's, on one flat vector, updated in place.

    ``step`` returns the per-coordinate step ``lr_t / (sqrt(v) + eps)`` each
    parameter took, for the proximal step of the non-smooth penalty.
    """

    def __init__(self, size, dtype, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self._step = np.empty(size, dtype=dtype)
        self._scratch = np.empty(size, dtype=dtype)

    def step(self, theta, grad):
        self.t += 1
        m, v, step, scratch = self.m, self.v, self._step, self._scratch
        m *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=scratch)
        m += scratch
        v *= self.beta_2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.beta_2
        v += scratch
        # a Python float: a numpy float64 scalar would make the float32 arithmetic
        # below run in float64 (NEP 50) and cast back
        learning_rate = float(
            self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=step)
        step += self.epsilon
        np.divide(learning_rate, step, out=step)
        np.multiply(step, m, out=scratch)
        theta -= scratch
        return step

    def state_is_finite(self):
        """Whether the moments are finite: a squared gradient that overflows makes
        ``v`` infinite and the step silently zero, so the weights would stop moving."""
        return bool(np.isfinite(self.v).all() and np.isfinite(self.m).all())

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, message, verbose):
        if verbose:
            print(message + " Stopping.")
        return True
