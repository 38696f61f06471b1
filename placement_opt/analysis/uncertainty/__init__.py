"""analysis.uncertainty."""
