"""Qt item models between the Session and the views (virtual: rows are read on demand)."""
