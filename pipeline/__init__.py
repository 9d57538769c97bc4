"""Eligibility criteria -> computable criteria."""
__version__ = "0.1.0"
