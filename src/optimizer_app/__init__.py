"""Optimizer App: improves store product text with an LLM and publishes it back."""
