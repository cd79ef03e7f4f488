import XMLBuilder from 'fast-xml-builder';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  processEntities: true,
});

/** An XML element tree: plain objects, `undefined` members are left out, `''` renders `<x/>`. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/** A `<set><item>…</item></set>` list, rendered `<set/>` when empty (as Eucalyptus does). */
export function itemSet(items: XmlNode[]): XmlNode | '' {
  return items.length > 0 ? { item: items } : '';
}

/** A `<set><member>…</member></set>` list (IAM). */
export function memberSet(items: XmlNode[]): XmlNode | '' {
  return items.length > 0 ? { member: items } : '';
}

export function renderXml(root: string, body: XmlNode, xmlns?: string): string {
  const node: XmlNode = xmlns !== undefined ? { '@_xmlns': xmlns, ...body } : body;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: node })}`;
}
