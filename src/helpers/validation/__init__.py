"""The bottom layer: the errors and input checks every other layer uses (imports nothing above it)."""
