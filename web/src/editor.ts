// The CodeMirror editor, with the wasm validator as its linter.
import { basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { EditorState, Prec, type Text } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { h } from "./dom";
import { inline, renderMarkdown } from "./markdown";
import type { Finding, RuleDoc, ValidationResult, Validator } from "./validator";

/** Delay between the last keystroke and validation. */
export const LINT_DELAY_MS = 150;

export interface LintReport {
  result: ValidationResult;
  /** Time spent in the wasm `validate` call. */
  validateMs: number;
  /** The document text that was validated. */
  source: string;
}

// Colours come from CSS variables so light and dark mode both read well.
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword], color: "var(--syn-keyword)" },
  { tag: [t.string, t.special(t.string)], color: "var(--syn-string)" },
  { tag: [t.number, t.bool, t.null], color: "var(--syn-number)" },
  { tag: t.comment, color: "var(--syn-comment)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--syn-function)" },
  { tag: [t.definition(t.variableName), t.className], color: "var(--syn-def)" },
  { tag: t.invalid, color: "var(--danger)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", color: "var(--fg)", backgroundColor: "var(--bg-editor)" },
  ".cm-content": { caretColor: "var(--fg)", fontFamily: "var(--mono)" },
  ".cm-gutters": { backgroundColor: "var(--bg-gutter)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "var(--bg-active)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--bg-active)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--bg-selection) !important" },
  "&.cm-focused .cm-cursor": { borderLeftColor: "var(--fg)" },
  ".cm-tooltip": { backgroundColor: "var(--bg-card)", color: "var(--fg)", border: "1px solid var(--border)" },
});

/** The rich tooltip body of a finding: message, how to fix, and the rule's doc in an expander. */
export function findingDetails(f: Finding, rule: RuleDoc | undefined): HTMLElement {
  const doc = rule
    ? h(
        "details",
        { class: "rule-doc" },
        h("summary", {}, `Why: ${rule.code} ${rule.name} (${rule.family})`),
        h("p", {}, rule.summary),
        renderMarkdown(rule.doc),
      )
    : null;
  return h(
    "div",
    { class: "finding-detail" },
    h("p", {}, h("strong", {}, f.code), " ", ...inline(f.message)),
    f.help ? h("p", { class: "help" }, h("span", { class: "help-label" }, "How to fix: "), ...inline(f.help)) : null,
    doc,
  );
}

/**
 * The editor range of a finding. Empty spans (a syntax error points between two characters)
 * are widened to one character, so there is something to see and to hover.
 */
export function findingRange(f: Finding, doc: Text): { from: number; to: number } {
  let from = Math.min(f.utf16.start, doc.length);
  let to = Math.min(Math.max(f.utf16.end, from), doc.length);
  if (from === to) {
    const next = doc.sliceString(from, from + 1);
    if (next && next !== "\n") to = from + 1;
    else if (from > 0 && doc.sliceString(from - 1, from) !== "\n") from -= 1;
  }
  return { from, to };
}

function toDiagnostic(f: Finding, doc: Text, rules: Map<string, RuleDoc>): Diagnostic {
  const { from, to } = findingRange(f, doc);
  return {
    from,
    to,
    severity: f.severity === "error" ? "error" : "warning",
    message: `${f.code}: ${f.message}`,
    renderMessage: () => findingDetails(f, rules.get(f.code)),
  };
}

export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  validator: Validator;
  onLint: (report: LintReport) => void;
  onRun: () => void;
  /** Called on every document change (before the debounced validation). */
  onChange: () => void;
}

export function createEditor(opts: EditorOptions): EditorView {
  const validatorLint = linter(
    (view) => {
      const source = view.state.doc.toString();
      const t0 = performance.now();
      const result = opts.validator.validate(source);
      const validateMs = performance.now() - t0;
      opts.onLint({ result, validateMs, source });
      return result.findings.map((f) => toDiagnostic(f, view.state.doc, opts.validator.rules));
    },
    { delay: LINT_DELAY_MS },
  );
  return new EditorView({
    parent: opts.parent,
    state: EditorState.create({
      doc: opts.doc,
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (opts.onRun(), true) }])),
        basicSetup,
        python(),
        syntaxHighlighting(highlight),
        theme,
        lintGutter(),
        validatorLint,
        EditorView.contentAttributes.of({ "aria-label": "Python strategy code" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) opts.onChange();
        }),
      ],
    }),
  });
}

/** Moves the cursor to a finding and focuses the editor. */
export function revealFinding(view: EditorView, f: Finding) {
  const len = view.state.doc.length;
  const anchor = Math.min(f.utf16.start, len);
  const head = Math.min(Math.max(f.utf16.end, anchor), len);
  view.dispatch({ selection: { anchor, head }, scrollIntoView: true });
  view.focus();
}
