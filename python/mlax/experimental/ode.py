"""mlax.experimental.ode: odeint (as jax.experimental.ode)."""

from mlax._src.ode import odeint

__all__ = ["odeint"]
