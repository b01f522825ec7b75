// Renders the small markdown subset rule docs use (headings, paragraphs, lists, fenced code,
// inline code, bold) into DOM nodes. Text is never parsed as HTML.
import { h } from "./dom";

/** Inline code and bold in one line of text, as DOM nodes. */
export function inline(text: string): Node[] {
  const out: Node[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push(m[1] !== undefined ? h("code", {}, m[1]) : h("strong", {}, m[2]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

export function renderMarkdown(md: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  const lines = md.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith("```")) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) code.push(lines[i]);
      i++;
      frag.append(h("pre", {}, h("code", {}, code.join("\n"))));
    } else if (/^#{1,6}\s/.test(line)) {
      // Headings inside a tooltip or panel stay small: h4 at most.
      const text = line.replace(/^#+\s*/, "");
      frag.append(h("h4", {}, ...inline(text)));
      i++;
    } else if (/^\s*[-*]\s/.test(line)) {
      const ul = h("ul");
      for (; i < lines.length && /^\s*[-*]\s/.test(lines[i]); i++) {
        ul.append(h("li", {}, ...inline(lines[i].replace(/^\s*[-*]\s/, ""))));
      }
      frag.append(ul);
    } else if (line.trim() === "") {
      i++;
    } else {
      const para: string[] = [];
      for (
        ;
        i < lines.length && lines[i].trim() !== "" && !/^(```|#{1,6}\s|\s*[-*]\s)/.test(lines[i]);
        i++
      ) {
        para.push(lines[i]);
      }
      frag.append(h("p", {}, ...inline(para.join(" "))));
    }
  }
  return frag;
}
