/**
 * Just enough XML for S3's restXml protocol: the few request documents clients send
 * (CreateBucketConfiguration, Delete, CompleteMultipartUpload) and escaped response documents.
 * Namespaces are dropped to local names; attributes are ignored (S3's request shapes have none that
 * matter here).
 */

export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text, entities decoded (text of children excluded). */
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (match, body: string) => {
    if (body.startsWith("#x")) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith("#")) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    const named = NAMED_ENTITIES[body];
    if (named === undefined) throw new XmlSyntaxError(`Unknown entity ${match}`);
    return named;
  });
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(":");
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** Parses a document and returns its root element; throws XmlSyntaxError when malformed. */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const text = (value: string) => {
    const top = stack.at(-1);
    if (top) top.text += value;
    else if (value.trim() !== "") throw new XmlSyntaxError("Text outside the root element");
  };
  while (i < source.length) {
    const lt = source.indexOf("<", i);
    if (lt < 0) {
      text(decodeEntities(source.slice(i)));
      break;
    }
    if (lt > i) text(decodeEntities(source.slice(i, lt)));
    if (source.startsWith("<?", lt)) {
      const end = source.indexOf("?>", lt);
      if (end < 0) throw new XmlSyntaxError("Unterminated processing instruction");
      i = end + 2;
    } else if (source.startsWith("<!--", lt)) {
      const end = source.indexOf("-->", lt);
      if (end < 0) throw new XmlSyntaxError("Unterminated comment");
      i = end + 3;
    } else if (source.startsWith("<![CDATA[", lt)) {
      const end = source.indexOf("]]>", lt);
      if (end < 0) throw new XmlSyntaxError("Unterminated CDATA section");
      text(source.slice(lt + 9, end));
      i = end + 3;
    } else if (source.startsWith("<!", lt)) {
      // A DOCTYPE: S3 rejects these; so does the sandbox (no entity expansion surprises).
      throw new XmlSyntaxError("Document type declarations are not allowed");
    } else if (source.startsWith("</", lt)) {
      const end = source.indexOf(">", lt);
      if (end < 0) throw new XmlSyntaxError("Unterminated end tag");
      const name = localName(source.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlSyntaxError(`Mismatched end tag </${name}>`);
      if (stack.length === 0) root = open;
      i = end + 1;
    } else {
      const end = source.indexOf(">", lt);
      if (end < 0) throw new XmlSyntaxError("Unterminated start tag");
      let inner = source.slice(lt + 1, end);
      const selfClosing = inner.endsWith("/");
      if (selfClosing) inner = inner.slice(0, -1);
      const match = /^([A-Za-z_][\w.:-]*)/.exec(inner);
      if (!match?.[1]) throw new XmlSyntaxError("Invalid start tag");
      if (root !== undefined) throw new XmlSyntaxError("More than one root element");
      const element: XmlElement = { name: localName(match[1]), children: [], text: "" };
      stack.at(-1)?.children.push(element);
      if (selfClosing) {
        if (stack.length === 0) root = element;
      } else {
        stack.push(element);
      }
      i = end + 1;
    }
  }
  if (stack.length > 0) throw new XmlSyntaxError(`Unclosed element <${stack.at(-1)?.name}>`);
  if (!root) throw new XmlSyntaxError("No root element");
  return root;
}

export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((child) => child.name === name);
}

export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((child) => child.name === name);
}

export function childText(parent: XmlElement, name: string): string | undefined {
  return childElement(parent, name)?.text;
}

/**
 * Escapes text for element content. Control characters (keys may contain CR, LF, TAB …) become
 * character references, as S3 writes them, so they survive XML whitespace normalisation.
 */
export function escapeXml(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped.
  return value.replace(/[&<>"'\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return `&#x${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()};`;
    }
  });
}

/** `<name>escaped text</name>`, or nothing for undefined/null. */
export function textElement(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return "";
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…</name>` around already-rendered children. */
export function element(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

/** A whole response document with the XML declaration and S3's namespace on the root. */
export function xmlDocument(rootName: string, ...children: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${rootName} xmlns="${S3_XMLNS}">${children.join("")}</${rootName}>`;
}
