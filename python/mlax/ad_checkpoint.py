"""mlax.ad_checkpoint: checkpoint (remat) and checkpoint_name, as
jax.ad_checkpoint."""

from mlax._src.ad_checkpoint import checkpoint, checkpoint_name, checkpoint_policies, remat

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "remat"]
