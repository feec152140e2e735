"""Pure drawing onto a surface: no widgets, no state."""
