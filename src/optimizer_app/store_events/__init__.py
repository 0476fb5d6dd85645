"""Platform webhooks as store events: each platform's module maps its verified event to the
normalised events of `events` (pure), and `applier.apply` records the event id and applies them
in one transaction. Below `web`: the route handlers only verify, map, apply and answer."""
