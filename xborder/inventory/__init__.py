"""The enterprise's data inventory: flows, recipients and legal documents; import, export, declaring from rows."""
