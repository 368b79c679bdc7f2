"""Real published Persian news for the half-space evaluation: the sets, their reader and their builder."""
