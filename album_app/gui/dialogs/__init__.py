"""Dialogs: re-cluster (method and weights), export, the model in use."""
