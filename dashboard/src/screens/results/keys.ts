import { useEffect, useRef } from "react";

export type ReviewKey = "next" | "previous" | "accept" | "reject" | "edit" | "regenerate" | "select" | "help";

const KEYS: Record<string, ReviewKey> = {
  j: "next",
  k: "previous",
  a: "accept",
  r: "reject",
  e: "edit",
  g: "regenerate",
  x: "select",
  "?": "help",
};

/** The keys of the help dialog, in its order. */
export const KEY_LIST: { keys: string[]; action: ReviewKey }[] = [
  { keys: ["J", "↓"], action: "next" },
  { keys: ["K", "↑"], action: "previous" },
  { keys: ["A"], action: "accept" },
  { keys: ["R"], action: "reject" },
  { keys: ["E"], action: "edit" },
  { keys: ["G"], action: "regenerate" },
  { keys: ["X"], action: "select" },
  { keys: ["?"], action: "help" },
];

/** Typing in a field, an editor or a dialog keeps its keys; so does any key pressed with a modifier. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !["checkbox", "radio", "button", "submit"].includes(target.type);
  return target.isContentEditable || !!target.closest("textarea, select, [contenteditable], dialog");
}

/**
 * The review keys on the whole page: j/k (or ↓/↑ while a field has the focus) move between fields,
 * a accept, r reject, e edit, g regenerate, x select, ? help.
 */
export function useReviewKeys(handler: (key: ReviewKey) => void, enabled: boolean): void {
  const saved = useRef(handler);
  useEffect(() => {
    saved.current = handler;
  });
  useEffect(() => {
    if (!enabled) return undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      if (typing(e.target) || document.querySelector("dialog[open]")) return;
      let key: ReviewKey | undefined = KEYS[e.key.length === 1 ? e.key.toLowerCase() : e.key];
      if (e.key === "?") key = "help";
      // The arrows scroll the page as usual unless a field has the focus.
      const onRow = e.target instanceof HTMLElement && e.target.matches("[data-testid=item-row]");
      if (onRow && e.key === "ArrowDown") key = "next";
      if (onRow && e.key === "ArrowUp") key = "previous";
      if (!key) return;
      e.preventDefault();
      saved.current(key);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [enabled]);
}
