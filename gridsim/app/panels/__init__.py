"""Views that grow past a few hundred lines: each its own module."""
