"""The law as code: reads `forms/` and decides, with no Flask, no database and no I/O beyond the catalogue."""
