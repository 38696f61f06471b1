"""analysis.robust."""
