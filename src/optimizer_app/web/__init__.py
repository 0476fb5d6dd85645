"""The web process: Starlette app factory, middleware and one module of routes per area."""
