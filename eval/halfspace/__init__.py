"""Half-space restoration, measured on news sentences: `python -m eval.halfspace.evaluate` (docs/halfspace.md)."""
