"""Faithful local stand-ins for the store platforms' APIs and an OpenAI-compatible LLM server.

Used by `optimizer-app demo`, the tests and the benchmarks, always over real HTTP on loopback.
"""
