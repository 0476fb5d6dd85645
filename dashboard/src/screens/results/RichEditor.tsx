/**
 * A description edited as formatted text (Tiptap with its StarterKit), limited to what the server's
 * sanitiser keeps (llm/checks.py): paragraphs, line breaks, bold, italic, headings 2–4, lists and
 * links, and the `dir` of a right-to-left block. Its HTML goes through the same PATCH /api/items/{id}
 * as any edit, where the server sanitises it again.
 */
import { Extension } from "@tiptap/core";
import { EditorContent, useEditor, useEditorState } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import { t, type Key } from "../../i18n";

/** The block direction a right-to-left description carries (`dir="rtl"`), kept through an edit. */
const Direction = Extension.create({
  name: "direction",
  addGlobalAttributes() {
    return [
      {
        types: ["paragraph", "heading", "bulletList", "orderedList"],
        attributes: {
          dir: {
            default: null,
            parseHTML: (element: HTMLElement) => element.getAttribute("dir"),
            renderHTML: (attributes: Record<string, unknown>) =>
              attributes.dir === "rtl" || attributes.dir === "ltr" ? { dir: attributes.dir } : {},
          },
        },
      },
    ];
  },
});

const EXTENSIONS = [
  StarterKit.configure({
    blockquote: false,
    code: false,
    codeBlock: false,
    horizontalRule: false,
    strike: false,
    underline: false,
    heading: { levels: [2, 3, 4] },
    link: {
      openOnClick: false,
      autolink: false,
      protocols: ["mailto"],
      HTMLAttributes: { target: null, rel: null },
    },
  }),
  Direction,
];

interface Tool {
  key: Key;
  mark: string;
  active: (e: NonNullable<ReturnType<typeof useEditor>>) => boolean;
  run: (e: NonNullable<ReturnType<typeof useEditor>>) => void;
}

const TOOLS: Tool[] = [
  { key: "rte.bold", mark: "B", active: (e) => e.isActive("bold"), run: (e) => e.chain().focus().toggleBold().run() },
  { key: "rte.italic", mark: "I", active: (e) => e.isActive("italic"), run: (e) => e.chain().focus().toggleItalic().run() },
  {
    key: "rte.heading",
    mark: "H2",
    active: (e) => e.isActive("heading", { level: 2 }),
    run: (e) => e.chain().focus().toggleHeading({ level: 2 }).run(),
  },
  {
    key: "rte.subheading",
    mark: "H3",
    active: (e) => e.isActive("heading", { level: 3 }),
    run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(),
  },
  {
    key: "rte.bullets",
    mark: "•",
    active: (e) => e.isActive("bulletList"),
    run: (e) => e.chain().focus().toggleBulletList().run(),
  },
  {
    key: "rte.numbers",
    mark: "1.",
    active: (e) => e.isActive("orderedList"),
    run: (e) => e.chain().focus().toggleOrderedList().run(),
  },
];

export default function RichEditor(props: { value: string; label: string; onChange: (html: string) => void }) {
  const editor = useEditor({
    extensions: EXTENSIONS,
    content: props.value,
    injectCSS: false,
    autofocus: "end",
    editorProps: {
      attributes: {
        "aria-label": props.label,
        "aria-multiline": "true",
        role: "textbox",
        class: "rich-input rendered",
        dir: "auto",
        "data-testid": "rich-editor",
      },
    },
    onUpdate: ({ editor: e }) => props.onChange(e.isEmpty ? "" : e.getHTML()),
  });
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) => TOOLS.map((tool) => tool.active(e)),
  });
  const history = useEditorState({
    editor,
    selector: ({ editor: e }) => ({ undo: e.can().undo(), redo: e.can().redo() }),
  });
  return (
    <div className="rich-editor">
      <div className="rich-toolbar" role="toolbar" aria-label={t("rte.toolbar")}>
        {TOOLS.map((tool, i) => (
          <button
            key={tool.key}
            type="button"
            className={`rte-btn${active[i] ? " on" : ""}`}
            aria-pressed={active[i]}
            aria-label={t(tool.key)}
            title={t(tool.key)}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => tool.run(editor)}
          >
            <span aria-hidden="true">{tool.mark}</span>
          </button>
        ))}
        <span className="rte-sep" aria-hidden="true" />
        <button
          type="button"
          className="rte-btn"
          aria-label={t("rte.undo")}
          title={t("rte.undo")}
          disabled={!history.undo}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => editor.chain().focus().undo().run()}
        >
          <span aria-hidden="true">↶</span>
        </button>
        <button
          type="button"
          className="rte-btn"
          aria-label={t("rte.redo")}
          title={t("rte.redo")}
          disabled={!history.redo}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => editor.chain().focus().redo().run()}
        >
          <span aria-hidden="true">↷</span>
        </button>
      </div>
      <EditorContent editor={editor} />
    </div>
  );
}
