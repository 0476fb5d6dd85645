import { embedded } from "@salla.sa/embedded-sdk";

/** What Salla's dashboard tells the app about itself (the SDK's LayoutInfo; `locale` is the admin's). */
export interface SallaLayout {
  locale?: string;
  dir?: "ltr" | "rtl";
}

/**
 * Salla's embedded-app handshake (https://github.com/SallaApp/embedded-sdk, and its playground's
 * useAppBootstrap: init → token → verify → ready): `init()` connects to the merchant dashboard and
 * answers its layout (the admin's locale among it, handed to `onLayout`), the token Salla put in the
 * URL is the one our server introspected before it served this page, `verify` confirms the session
 * it issued for that token works, and only then `ready()` lifts the dashboard's loading overlay.
 */
export async function sallaHandshake(verify: () => Promise<unknown>, onLayout: (layout: SallaLayout) => void): Promise<void> {
  if (window.parent === window) return; // opened outside the Salla dashboard: nothing to hand-shake with
  const { layout } = await embedded.init();
  onLayout(layout ?? {});
  if (!embedded.auth.getToken()) throw new Error("Salla opened the app without a token");
  await verify();
  embedded.ready();
}
