"""Pure functions and frozen dataclasses: no Flask, no database, no clock, no file access.

`normalize` and `halfspace` import hazm (seconds and hundreds of MB): import them only on the
ingest path, never from anything the web app loads.
"""
