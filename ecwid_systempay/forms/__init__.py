"""Colander schemas and Deform forms."""
