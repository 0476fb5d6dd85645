"""Faithful local stand-ins for the store platforms' APIs and an OpenAI-compatible LLM server.

Used by `optimizer-app demo`, the tests and the benchmarks, always over real HTTP on loopback.

How it is installed, and why: this package lives beside `optimizer_app` in the same repository and
`pyproject.toml`, but the wheel holds only `optimizer_app` (`packages.find` includes that package
alone, and the package-data names none of the files here). A production install (`pip install .`)
therefore carries no fake upstream and no vendored Shopify schema (`contracts/`, about 1 MB), and
nothing in it can start one by mistake. The development install (`pip install -e '.[dev]'`, what
`make install` runs) is editable, and setuptools' editable install for a `src/` layout puts `src/` on
the path, so this package is importable there; the `dev` extra brings what only it needs
(`graphql-core`, for the Shopify stand-in). One repository keeps a stand-in next to the client it
answers, so a change to both lands in one commit.

What it borrows from the product, checked by import-linter: the platforms' published signing schemes
(`optimizer_app.auth`, WooCommerce's OAuth 1.0a in `optimizer_app.platforms.woocommerce`), and for the
LLM stand-in the prompt's layout and the offline writer (`optimizer_app.llm`, `optimizer_app.domain`).
Nothing that touches the database, the web app or the settings. Within the product, only
`optimizer_app.demo` imports this package.
"""
