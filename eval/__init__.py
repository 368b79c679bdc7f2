"""Quality measures of feedapp's text processing (not benchmarks): `python -m eval.…` from the root."""
