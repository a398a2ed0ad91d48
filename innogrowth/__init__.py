"""innogrowth: application shell (settings and the `innogrowth` console command)."""
