/** `XmlElement` is an element of a parsed XML document. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    if (e in ENTITIES) return ENTITIES[e];
    throw new Error(`undefined entity ${m}`);
  });
}

/**
 * `parseXml` parses a well-formed XML document (prolog, elements, attributes, text, CDATA,
 * comments) and throws on anything malformed: an unclosed or mismatched tag, a bare `<` or `&`,
 * a duplicate attribute, text outside the root. Enough to check a report's shape, with no network
 * and no dependency.
 */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at offset ${i}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i);
        if (end < 0) fail('unclosed processing instruction');
        i = end + 2;
      } else if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unclosed comment');
        i = end + 3;
      } else return;
    }
  };
  const name = (): string => {
    const m = /^[A-Za-z_][\w.:-]*/.exec(src.slice(i));
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      const a = name();
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '=') fail('expected =');
      i++;
      while (/\s/.test(src[i] ?? '')) i++;
      const q = src[i];
      if (q !== '"' && q !== "'") fail('expected a quoted value');
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail('unclosed attribute value');
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      if (/&(?!(#x[0-9a-f]+|#\d+|\w+);)/i.test(raw)) fail('bare & in an attribute value');
      el.attrs[a] = decode(raw);
      i = end + 1;
    }
    for (;;) {
      if (i >= src.length) fail(`unclosed <${el.name}>`);
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        while (/\s/.test(src[i] ?? '')) i++;
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unclosed CDATA');
        el.text += src.slice(i + 9, end);
        i = end + 3;
      } else if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unclosed comment');
        i = end + 3;
      } else if (src[i] === '<') el.children.push(element());
      else {
        const end = src.indexOf('<', i);
        const raw = src.slice(i, end < 0 ? src.length : end);
        if (/&(?!(#x[0-9a-f]+|#\d+|\w+);)/i.test(raw)) fail('bare & in text');
        el.text += decode(raw);
        i += raw.length;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}
