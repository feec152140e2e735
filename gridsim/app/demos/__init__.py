"""The tutorial's demos, one module per group of views."""
