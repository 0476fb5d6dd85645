"""One client per store platform behind the StoreClient protocol."""
