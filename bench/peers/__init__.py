"""Each peer framework's pinned version, its modes, and what each mode isolates/persists."""
