"""Reading and writing instances and results (CSV folders, xlsx workbooks, JSON)."""
