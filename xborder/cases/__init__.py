"""Cases: one declaration by one exporter, carried through the procedure."""
