"""The dockable panels of the main window; each listens to a Session and updates per batch."""
