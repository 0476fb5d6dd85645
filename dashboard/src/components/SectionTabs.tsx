import { useCallback, useEffect, useRef, useState } from "react";
import type { Tab } from "../context";
import { t } from "../i18n";

/**
 * The sections as tabs. On a narrow screen they scroll sideways; a fade and an arrow on the side
 * that has more tabs show that they do, and the open section is scrolled into view.
 */
export function SectionTabs(props: { tabs: { id: Tab; label: string }[]; current: Tab; onGo: (tab: Tab) => void }) {
  const { current } = props;
  const strip = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState({ start: false, end: false });

  const measure = useCallback(() => {
    const el = strip.current;
    if (!el) return;
    // Right to left, scrollLeft runs from 0 down to negative values: its size is what counts.
    const max = el.scrollWidth - el.clientWidth;
    const at = Math.abs(el.scrollLeft);
    const next = { start: max > 1 && at > 1, end: max > 1 && at < max - 1 };
    setMore((now) => (now.start === next.start && now.end === next.end ? now : next));
  }, []);

  useEffect(() => {
    measure();
    const observer = new ResizeObserver(measure);
    if (strip.current) observer.observe(strip.current);
    return () => observer.disconnect();
  }, [measure]);

  useEffect(() => {
    strip.current?.querySelector<HTMLElement>("[aria-current=page]")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [current]);

  const page = (direction: 1 | -1) => {
    const el = strip.current;
    if (!el) return;
    const rtl = getComputedStyle(el).direction === "rtl";
    el.scrollBy({ left: direction * (rtl ? -1 : 1) * el.clientWidth * 0.7, behavior: "smooth" });
  };

  return (
    <nav
      className={`tabs-wrap${more.start ? " more-start" : ""}${more.end ? " more-end" : ""}`}
      aria-label={t("app.sections")}
    >
      <div className="tabs" ref={strip} onScroll={measure}>
        {props.tabs.map((item) => (
          <button
            key={item.id}
            type="button"
            className={`tab${current === item.id ? " active" : ""}`}
            aria-current={current === item.id ? "page" : undefined}
            onClick={() => props.onGo(item.id)}
          >
            {item.label}
          </button>
        ))}
      </div>
      {more.start ? (
        <button type="button" className="tabs-more start" tabIndex={-1} aria-hidden="true" onClick={() => page(-1)}>
          ‹
        </button>
      ) : null}
      {more.end ? (
        <button type="button" className="tabs-more end" tabIndex={-1} aria-hidden="true" onClick={() => page(1)}>
          ›
        </button>
      ) : null}
    </nav>
  );
}
