import escapeHtml from 'escape-html';

/**
 * Markup that is already safe to put in a page. Only `html` and `trustedHtml` make one, so a
 * string from the report can never reach the page without going through `escape-html`.
 */
export class SafeHtml {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

/** What may be interpolated: strings and numbers are escaped, `SafeHtml` is kept, lists are joined. */
export type HtmlValue = SafeHtml | string | number | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (typeof value === 'number') return escapeHtml(String(value));
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}

/**
 * Tagged template for markup: the literal parts are the author's, every interpolation is escaped
 * (text and attribute values alike, as `escape-html` escapes both quotes).
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** For markup the renderer itself produced from constants (the style sheet): never report text. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
