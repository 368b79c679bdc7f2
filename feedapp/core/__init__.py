"""Pure functions and frozen dataclasses: no Flask, no database. The only files read are data
shipped with the code and the half-space lexicon compiled from them once (lexicon_store.py: a
cache file, written on first use).

`normalize` imports hazm (seconds and hundreds of MB), and `halfspace` does when it builds its
lexicon: import them only on the ingest path, never from anything the web app loads.
"""
