"""LLM providers behind one protocol, prompts and output checks."""
