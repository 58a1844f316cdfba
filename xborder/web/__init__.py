"""The web layer shared by every feature's pages: locale-aware labels, form error messages, template helpers.

Feature packages import page helpers from here (never from one another), so a page in `law/` or `inventory/`
does not depend on `cases/`.
"""
