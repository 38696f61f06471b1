"""Building blocks of ``instances/kent/build.py``: each module turns one part of the public data
pack (``shared/data/kent``) into instance tables. Not part of the installed package."""
