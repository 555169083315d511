"""assurance layer."""
