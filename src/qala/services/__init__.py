"""Use cases that join the pure core to the store and the files (shared by the CLI and the web)."""
