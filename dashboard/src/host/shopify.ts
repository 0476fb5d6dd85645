/** Shopify's App Bridge, loaded by the app page before the dashboard (the `shopify` global). */
interface AppBridge {
  /** A fresh session token (https://shopify.dev/docs/api/app-bridge-library/reference/id-token). */
  idToken(): Promise<string>;
}

declare global {
  interface Window {
    shopify?: AppBridge;
  }
}

/**
 * The session token for one API call. Shopify's tokens live a minute, so each call asks App Bridge
 * for one rather than holding a session of its own.
 */
export async function shopifySessionToken(): Promise<string> {
  if (!window.shopify) throw new Error("App Bridge is not loaded");
  return window.shopify.idToken();
}
