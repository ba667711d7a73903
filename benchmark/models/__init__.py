"""Model graph and registry."""
