/**
 * The browser's storage for what the owner would not want to lose, keyed by platform and store so
 * two stores opened in one browser never see each other's drafts. Storage can be refused (a
 * browser that blocks it in third-party frames): then nothing is kept and nothing breaks.
 */
import { CONFIG } from "./config";

type Area = "session" | "local";

function area(kind: Area): Storage | null {
  try {
    return kind === "session" ? window.sessionStorage : window.localStorage;
  } catch {
    return null;
  }
}

function storeKey(name: string): string {
  return `optimizer:${CONFIG.platform}:${CONFIG.me.store.id}:${name}`;
}

export function readStored<T>(kind: Area, name: string): T | null {
  try {
    const raw = area(kind)?.getItem(storeKey(name));
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

export function writeStored(kind: Area, name: string, value: unknown): void {
  try {
    const storage = area(kind);
    if (value === null) storage?.removeItem(storeKey(name));
    else storage?.setItem(storeKey(name), JSON.stringify(value));
  } catch {
    /* full or refused: the value lives as long as the page */
  }
}
