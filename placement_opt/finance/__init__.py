"""The high-needs account: financial years, DSG income, spend and the cumulative balance."""
