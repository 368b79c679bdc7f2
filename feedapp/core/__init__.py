"""Pure functions and frozen dataclasses: no Flask, no database, no clock. The only files read
are data shipped with the code (the half-space lexicons, read once per process).

`normalize` and `halfspace` import hazm (seconds and hundreds of MB): import them only on the
ingest path, never from anything the web app loads.
"""
