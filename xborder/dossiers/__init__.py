"""Signed dossiers: keys and certificates (signing), the bundle ZIP (bundle) and its independent check (verify)."""
