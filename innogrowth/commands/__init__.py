"""Console commands of `innogrowth`, one module per command group."""
