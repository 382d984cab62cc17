"""mlax.scipy: jax.scipy's special, stats and linalg."""
