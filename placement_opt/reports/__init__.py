"""Reports built from a solved run: sufficiency, budget-model export, HTML."""
