-- The billing subscriptions the app created for each store (Shopify's appSubscriptionCreate).
-- A subscription webhook carries no shop domain in its signed body, only the subscription's id:
-- the store and the plan are taken from here, never from the webhook's unsigned headers.
CREATE TABLE platform_subscriptions (
    platform         text NOT NULL,
    subscription_id  text NOT NULL,
    store_id         bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    plan_id          text NOT NULL REFERENCES plans (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, subscription_id)
);

CREATE INDEX platform_subscriptions_store ON platform_subscriptions (store_id);
