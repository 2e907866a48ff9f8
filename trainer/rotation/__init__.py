"""The rotation suggester: its network, training on upright photos, and a library's own model."""
