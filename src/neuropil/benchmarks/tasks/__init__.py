"""Task packages: each declares its tasks as ``SPECS`` in its ``__init__`` (see :mod:`..registry`)."""
