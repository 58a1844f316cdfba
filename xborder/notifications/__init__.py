"""In-app notifications (and their e-mail copies) for the users a case concerns."""
