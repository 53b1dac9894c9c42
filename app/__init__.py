"""Tapescope's Qt application: main window, docks, graph view, plots and the `tapescope` command.

Importing this package does not import Qt; the modules that need it import it themselves, so
the command line can record and export without a display.
"""
