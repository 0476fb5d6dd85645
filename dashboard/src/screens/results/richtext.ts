/**
 * Descriptions shown rendered, never as markup: sanitised with DOMPurify to the tags the server's
 * sanitiser keeps (src/optimizer_app/llm/checks.py, ALLOWED_TAGS), and compared word by word with
 * the `diff` package so the change is highlighted inside the rendered text.
 */
import DOMPurify from "dompurify";
import { diffArrays, diffWordsWithSpace } from "diff";

/** The server keeps these tags (llm/checks.py ALLOWED_TAGS); `ins`/`del` mark the change here. */
export const SERVER_TAGS = ["p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "h2", "h3", "h4", "a", "span"];
const SHOWN_TAGS = [...SERVER_TAGS, "ins", "del", "mark"];

let hooked = false;
function purify(html: string): string {
  if (!hooked) {
    // A link in a preview opens outside the app, never inside the admin's frame.
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
    hooked = true;
  }
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS: SHOWN_TAGS,
    ALLOWED_ATTR: ["href", "dir", "target", "rel", "class", "title", "data-fact"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  });
}

/** Product HTML made safe to render in the dashboard. */
export function safeRendered(html: string): string {
  return purify(html);
}

const TOKEN = /<[^>]*>|\s+|[^\s<]+/g;

function tokens(html: string): string[] {
  return html.match(TOKEN) ?? [];
}

const isTag = (token: string) => token.startsWith("<");

/**
 * Both sides of a description rendered, with the words that went (`before`) and came (`after`)
 * marked. Each side keeps its own tags in order, so both stay well formed.
 */
export function renderedDiff(before: string, after: string): { before: string; after: string } {
  const a = tokens(purify(before));
  const b = tokens(purify(after));
  if (a.length * b.length > 4_000_000) return { before: purify(before), after: purify(after) };
  const left: string[] = [];
  const right: string[] = [];
  const mark = (out: string[], list: string[], tag: "ins" | "del") => {
    let run = "";
    const flush = () => {
      if (run.trim()) out.push(`<${tag}>${run}</${tag}>`);
      else out.push(run);
      run = "";
    };
    for (const token of list) {
      if (isTag(token)) {
        flush();
        out.push(token);
      } else {
        run += token;
      }
    }
    flush();
  };
  for (const change of diffArrays(a, b)) {
    if (change.added) mark(right, change.value, "ins");
    else if (change.removed) mark(left, change.value, "del");
    else {
      left.push(...change.value);
      right.push(...change.value);
    }
  }
  return { before: purify(left.join("")), after: purify(right.join("")) };
}

export interface Piece {
  text: string;
  kind: "same" | "added" | "removed";
  /** Why the words are marked (a fact the product data does not state), for the tooltip. */
  mark?: Mark;
}

/** A stretch of a value to mark: UTF-16 offsets into it (what String.slice takes), and why. */
export interface Mark {
  start: number;
  end: number;
  code: string;
  title: string;
}

/** The marks that still fit `value` (a stale one, from before an edit, is dropped), in order, none overlapping. */
export function fittingMarks(value: string, marks: Mark[]): Mark[] {
  const out: Mark[] = [];
  for (const m of [...marks].sort((a, b) => a.start - b.start || b.end - a.end)) {
    if (m.start < 0 || m.end > value.length || m.start >= m.end) continue;
    if (out.length && m.start < out[out.length - 1].end) continue;
    out.push(m);
  }
  return out;
}

/** Plain pieces (the after side of plainDiff, which spells `after` in order) cut at the marks' edges. */
export function markPieces(pieces: Piece[], marks: Mark[]): Piece[] {
  if (!marks.length) return pieces;
  const out: Piece[] = [];
  let at = 0;
  for (const piece of pieces) {
    const end = at + piece.text.length;
    let cut = at;
    for (const m of marks) {
      if (m.end <= cut || m.start >= end) continue;
      if (m.start > cut) out.push({ text: piece.text.slice(cut - at, m.start - at), kind: piece.kind });
      const to = Math.min(m.end, end);
      out.push({ text: piece.text.slice(Math.max(m.start, cut) - at, to - at), kind: piece.kind, mark: m });
      cut = to;
    }
    if (cut < end) out.push({ text: piece.text.slice(cut - at), kind: piece.kind });
    at = end;
  }
  return out;
}

const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Raw product HTML with each mark's text wrapped in <mark>, before it is sanitised and rendered.
 * The offsets count the markup, so the value is walked tag by tag: only text is wrapped, a mark
 * over a tag (`<strong>`) becomes one <mark> per piece of text, and an entity is never cut.
 */
export function markHtml(html: string, marks: Mark[]): string {
  if (!marks.length) return html;
  const out: string[] = [];
  let open: Mark | null = null;
  const close = () => {
    if (open) out.push("</mark>");
    open = null;
  };
  const markAt = (i: number) => marks.find((m) => m.start <= i && i < m.end) ?? null;
  let at = 0;
  for (const unit of html.match(/<[^>]*>|&[#\w]+;|[^<&]|[<&]/g) ?? []) {
    if (unit.length > 1 && unit.startsWith("<")) {
      close();
    } else {
      const m = markAt(at);
      if (m !== open) {
        close();
        if (m) {
          out.push(`<mark data-fact="${escapeAttr(m.code)}" title="${escapeAttr(m.title)}">`);
          open = m;
        }
      }
    }
    out.push(unit);
    at += unit.length;
  }
  close();
  return out.join("");
}

/** A plain field's two sides split into unchanged, removed and added words. */
export function plainDiff(before: string, after: string): { before: Piece[]; after: Piece[] } {
  const left: Piece[] = [];
  const right: Piece[] = [];
  for (const change of diffWordsWithSpace(before, after)) {
    if (change.added) right.push({ text: change.value, kind: "added" });
    else if (change.removed) left.push({ text: change.value, kind: "removed" });
    else {
      left.push({ text: change.value, kind: "same" });
      right.push({ text: change.value, kind: "same" });
    }
  }
  return { before: left, after: right };
}

const BLOCK = /<\s*\/?\s*(?:p|br|li|ul|ol|h[1-6]|div|tr|td|th|table|section|article|blockquote|hr)\b[^>]*>/gi;

/** What a shopper reads of a description, counted as the server counts it (checks.visible_text). */
export function visibleText(html: string): string {
  const doc = new DOMParser().parseFromString(html.replace(BLOCK, " "), "text/html");
  doc.querySelectorAll("script, style, noscript, iframe, template, object").forEach((el) => el.remove());
  return (doc.body.textContent ?? "").split(/\s+/).filter(Boolean).join(" ");
}
