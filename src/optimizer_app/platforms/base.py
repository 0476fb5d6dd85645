"""The StoreClient protocol every platform client implements, and the errors they raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductPage
from ..errors import PlatformError


class StorePlatformError(PlatformError):
    """The platform answered with an error we cannot recover from by retrying."""

    def __init__(self, message: str, *, status: int | None = None, platform_code: str | None = None) -> None:
        super().__init__(message, platform_status=status, platform_code=platform_code)
        self.platform_status = status
        self.platform_code = platform_code


class ProductNotFound(StorePlatformError):
    """The product does not exist (any more) in the store."""


class StaleRevision(StorePlatformError):
    """The product changed since it was read; read it again and retry."""


class PlatformUnavailable(StorePlatformError):
    """429 or 5xx that outlasted the client's retries."""


class PlatformAuthError(StorePlatformError):
    """The store's credentials were refused even after a refresh (app removed, token revoked)."""


class TokenSource(Protocol):
    """Gives a platform client a valid access token for one store."""

    async def get(self) -> str:
        """The current token, minting or refreshing one when it is missing or expired."""

    async def refresh(self) -> str:
        """Forget the current token and get a new one (called once after a 401)."""


class StoreClient(Protocol):
    platform: str

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage: ...

    async def list_collections(self) -> list[Collection]: ...

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage: ...

    async def get_product(self, product_id: str) -> Product: ...

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        """Products by id, in as few calls as the platform allows; unknown ids are left out."""

    async def with_images(self, products: Sequence[Product]) -> list[Product]:
        """The products with their images read (`Product.images` set), in order: those read with
        the product as they are, the others read apart (Shopify's media, in small queries)."""

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        """Write `values` over `product` (as last read, with its revision); returns the product
        as the platform now holds it. Raises StaleRevision when the product changed meanwhile.

        Image alt text (`Attribute.IMAGE_ALT`, a JSON list of `{image_id, alt}`) is written for
        the images of `product` it names, through the platform's media API; images it does not
        name keep their alt text, and names of images the product no longer has are passed over."""

    async def aclose(self) -> None: ...


@runtime_checkable
class BulkUpdater(Protocol):
    """A client whose platform updates many products in one call (Wix bulk update, WooCommerce
    batch, Shopify mutations under aliases)."""

    async def update_products(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        """One outcome per item, in order: the product as now stored, or the error for that item."""
