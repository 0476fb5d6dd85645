import type { ReactNode } from "react";

/** A screen's title and one line about it, with an optional action on the other side. */
export function PageHead({ title, intro, id, action }: { title: string; intro: string; id?: string; action?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1 id={id}>{title}</h1>
        <p className="muted">{intro}</p>
      </div>
      {action}
    </div>
  );
}
