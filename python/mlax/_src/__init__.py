"""mlax internals. Nothing here is public API."""
