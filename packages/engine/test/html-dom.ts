import { defaultTreeAdapter as dom, parse, type DefaultTreeAdapterTypes } from 'parse5';

/*
 * A few DOM queries over parse5's tree, so the tests read the page the way a browser would rather
 * than searching its source text.
 */

export type Element = DefaultTreeAdapterTypes.Element;
type Node = DefaultTreeAdapterTypes.Node;

/** Parses as a browser does; `errors` lists what the parser had to repair. */
export function parsePage(source: string): { root: Element; errors: string[] } {
  const errors: string[] = [];
  const document = parse(source, {
    onParseError: (e) => {
      errors.push(`${e.code} at ${String(e.startLine)}:${String(e.startCol)}`);
    },
  });
  const root = document.childNodes.find((n): n is Element => dom.isElementNode(n));
  if (root === undefined) throw new Error('no root element');
  return { root, errors };
}

function children(node: Node): Node[] {
  return 'childNodes' in node ? node.childNodes : [];
}

/** Every element under `node`, in document order. */
export function elements(node: Node): Element[] {
  const out: Element[] = [];
  const walk = (n: Node): void => {
    for (const child of children(n)) {
      if (dom.isElementNode(child)) out.push(child);
      walk(child);
    }
  };
  walk(node);
  return out;
}

export function byTag(node: Node, tag: string): Element[] {
  return elements(node).filter((e) => e.tagName === tag);
}

export function byId(node: Node, id: string): Element {
  const found = elements(node).find((e) => attr(e, 'id') === id);
  if (found === undefined) throw new Error(`no element with id ${id}`);
  return found;
}

export function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((a) => a.name === name)?.value;
}

/** Text content, as `textContent` would give it. */
export function text(node: Node): string {
  if (dom.isTextNode(node)) return dom.getTextNodeContent(node);
  return children(node).map(text).join('');
}

/** Text with runs of white space folded, as a reader sees it. */
export function words(node: Node): string {
  return text(node).replace(/\s+/g, ' ').trim();
}

/** The cells of a table row, each as words, joined by one space. */
export function rowWords(tr: Element): string {
  return elements(tr)
    .filter((e) => e.tagName === 'td' || e.tagName === 'th')
    .map(words)
    .join(' ');
}
