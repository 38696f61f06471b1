"""analysis.sweep."""
