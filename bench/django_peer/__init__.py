"""The peer: Django's syndication framework serving the same newest releases as Atom (bench only)."""
