"""national layer."""
