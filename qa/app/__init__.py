"""The edges: the `qa` command and the web chat; they print and render, the library does the work."""
