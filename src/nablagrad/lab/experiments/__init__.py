"""One module per lab experiment: ``run``, ``plot`` and ``summary`` each."""
