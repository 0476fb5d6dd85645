/** Word-level diff (LCS) for highlighting what changed between before and after. */
export interface Piece {
  text: string;
  kind: "same" | "added" | "removed";
}

function tokens(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? [];
}

export function diffWords(before: string, after: string): { before: Piece[]; after: Piece[] } {
  const a = tokens(before);
  const b = tokens(after);
  if (a.length * b.length > 250_000) {
    return { before: [{ text: before, kind: "removed" }], after: [{ text: after, kind: "added" }] };
  }
  const dp: Uint16Array[] = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const left: Piece[] = [];
  const right: Piece[] = [];
  const push = (list: Piece[], text: string, kind: Piece["kind"]) => {
    const last = list[list.length - 1];
    if (last && last.kind === kind) last.text += text;
    else list.push({ text, kind });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push(left, a[i], "same");
      push(right, b[j], "same");
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) {
      push(left, a[i++], "removed");
    } else {
      push(right, b[j++], "added");
    }
  }
  while (i < a.length) push(left, a[i++], "removed");
  while (j < b.length) push(right, b[j++], "added");
  return { before: left, after: right };
}

const ALLOWED = new Set(["P", "BR", "UL", "OL", "LI", "STRONG", "B", "EM", "I", "U", "H2", "H3", "H4", "SPAN", "DIV"]);

/** Product HTML reduced to a safe tag list with no attributes, for showing it rendered. */
export function safeHtml(html: string): string {
  const doc = new DOMParser().parseFromString(`<div>${html}</div>`, "text/html");
  const out = document.createElement("div");
  const copy = (from: Node, to: Node) => {
    from.childNodes.forEach((node) => {
      if (node.nodeType === Node.TEXT_NODE) {
        to.appendChild(document.createTextNode(node.textContent ?? ""));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const el = node as Element;
        if (ALLOWED.has(el.tagName)) {
          const clone = document.createElement(el.tagName.toLowerCase());
          copy(el, clone);
          to.appendChild(clone);
        } else if (!["SCRIPT", "STYLE", "IFRAME", "OBJECT", "TEMPLATE"].includes(el.tagName)) {
          copy(el, to);
        }
      }
    });
  };
  copy(doc.body.firstChild ?? doc.body, out);
  return out.innerHTML;
}

/** The text a shopper reads: HTML without its tags. */
export function plainText(html: string): string {
  // Block boundaries become spaces so "</p><p>" does not glue two sentences together.
  const spaced = html.replace(/<\/?(p|li|ul|ol|div|h[1-6]|br|tr|td)\b[^>]*>/gi, " $&");
  const doc = new DOMParser().parseFromString(spaced, "text/html");
  return (doc.body.textContent ?? "").replace(/\s+/g, " ").trim();
}
