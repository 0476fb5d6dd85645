/**
 * Shopify's App Bridge, loaded by the app page before the dashboard (the `shopify` global), and the
 * parts of it the dashboard uses in place of its own: the session token for every API call, the
 * admin's title bar, its toasts and its save bar. Each is used only as App Bridge documents it.
 */
import { useEffect, useRef } from "react";
import { CONFIG } from "../config";

/** https://shopify.dev/docs/api/app-home/apis/user-interface-and-interactions/toast-api (ToastOptions). */
interface ToastOptions {
  duration?: number;
  isError?: boolean;
  action?: string;
  onAction?: () => void;
  onDismiss?: () => void;
}

interface AppBridge {
  /** A fresh session token (https://shopify.dev/docs/api/app-bridge-library/reference/id-token). */
  idToken(): Promise<string>;
  /** `show(message, opts)` answers the toast's id; `hide(id)` takes it away early. */
  toast?: { show(message: string, opts?: ToastOptions): string; hide(id: string): void };
  /** https://shopify.dev/docs/api/app-home/apis/user-interface-and-interactions/save-bar-api */
  saveBar?: { show(id: string): Promise<void>; hide(id: string): Promise<void> };
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

/** App Bridge when the dashboard runs inside the Shopify admin; null everywhere else. */
function appBridge(): AppBridge | null {
  return CONFIG.platform === "shopify" && window.shopify ? window.shopify : null;
}

/** Shows `message` as the admin's toast; false when there is no App Bridge to show it. */
export function shopifyToast(message: string, opts: ToastOptions = {}): boolean {
  const toast = appBridge()?.toast;
  if (!toast) return false;
  toast.show(message, opts);
  return true;
}

export function insideShopify(): boolean {
  return appBridge() !== null;
}

/**
 * The admin's title bar shows `title`: a `ui-title-bar` element with a `title` attribute, which
 * renders nothing in the app's own page
 * (https://shopify.dev/docs/api/app-home/app-bridge-web-components/title-bar).
 */
export function useShopifyTitleBar(title: string): void {
  const enabled = insideShopify();
  useEffect(() => {
    if (!enabled) return;
    let bar = document.querySelector("ui-title-bar");
    if (!bar) {
      bar = document.createElement("ui-title-bar");
      document.body.appendChild(bar);
    }
    bar.setAttribute("title", title);
  }, [enabled, title]);
}

/**
 * The admin's save bar while `dirty`: a `ui-save-bar` element whose `<button variant="primary">`
 * is Save and whose plain `<button>` is Discard, shown and hidden with `shopify.saveBar.show(id)` /
 * `hide(id)` (https://shopify.dev/docs/api/app-home/app-bridge-web-components/ui-save-bar).
 * Returns whether the admin's bar is in use (elsewhere the page keeps its own Save button).
 */
export function useShopifySaveBar(id: string, dirty: boolean, onSave: () => void, onDiscard: () => void): boolean {
  const enabled = insideShopify() && !!window.shopify?.saveBar;
  const handlers = useRef({ onSave, onDiscard });
  useEffect(() => {
    handlers.current = { onSave, onDiscard };
  });
  useEffect(() => {
    if (!enabled) return undefined;
    const bar = document.createElement("ui-save-bar");
    bar.id = id;
    const save = document.createElement("button");
    save.setAttribute("variant", "primary");
    save.addEventListener("click", () => handlers.current.onSave());
    const discard = document.createElement("button");
    discard.addEventListener("click", () => handlers.current.onDiscard());
    bar.append(save, discard);
    document.body.appendChild(bar);
    return () => {
      void window.shopify?.saveBar?.hide(id);
      bar.remove();
    };
  }, [enabled, id]);
  useEffect(() => {
    if (!enabled) return;
    const saveBar = window.shopify?.saveBar;
    if (dirty) void saveBar?.show(id);
    else void saveBar?.hide(id);
  }, [enabled, dirty, id]);
  return enabled;
}
