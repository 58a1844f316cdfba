"""Cross-cutting parts: errors, authentication, audit, working days, jobs, signing."""
