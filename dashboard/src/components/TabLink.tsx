import { useApp, type Tab } from "../context";
import { t, type Key } from "../i18n";

/** A link inside a sentence that opens another section; named after it unless told otherwise. */
export function TabLink({ tab, label }: { tab: Tab; label?: string }) {
  const { go } = useApp();
  return (
    <button type="button" className="link" onClick={() => go(tab)}>
      {label ?? t(`tab.${tab}` as Key)}
    </button>
  );
}
