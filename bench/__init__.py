"""feedapp's benchmarks: `python -m bench COMMAND` from the repository root (bench/README.md).

Nothing is imported here: each command's module loads only when that command runs, and
gunicorn imports `bench.floor` and `bench.django_peer` without pulling in the rest.
"""
