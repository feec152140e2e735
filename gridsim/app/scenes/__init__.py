"""The app's tabs: each scene arranges panels and routes events."""
