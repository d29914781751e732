// Server placeholder.
