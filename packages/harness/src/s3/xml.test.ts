import { describe, expect, it } from "vitest";
import { childElements, childText, escapeXml, parseXml, XmlSyntaxError, xmlDocument } from "./xml.ts";

describe("parseXml", () => {
  it("reads a DeleteObjects document with a namespace, entities and CDATA", () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Object><Key>a&amp;b &lt;c&gt; &#x1F3A7; &#233;&#xD;</Key></Object>` +
        `<Object><Key><![CDATA[raw <text> & more]]></Key><VersionId/></Object>` +
        `<!-- a comment --><Quiet>true</Quiet></Delete>`,
    );
    expect(root.name).toBe("Delete");
    expect(childElements(root, "Object").map((object) => childText(object, "Key"))).toEqual([
      "a&b <c> \u{1F3A7} é\r",
      "raw <text> & more",
    ]);
    expect(childText(childElements(root, "Object")[1] ?? root, "VersionId")).toBe("");
    expect(childText(root, "Quiet")).toBe("true");
  });

  it("drops namespace prefixes", () => {
    expect(parseXml("<s3:Part xmlns:s3='x'><s3:ETag>e</s3:ETag></s3:Part>").children[0]?.name).toBe("ETag");
  });

  it.each([
    ["an unclosed element", "<Delete><Object></Delete>"],
    ["mismatched tags", "<a><b></a></b>"],
    ["two roots", "<a/><b/>"],
    ["a DOCTYPE", '<!DOCTYPE x [<!ENTITY e "boom">]><a>&e;</a>'],
    ["an unknown entity", "<a>&nbsp;</a>"],
    ["text outside the root", "junk<a/>"],
    ["nothing", "  "],
  ])("rejects %s", (_name, source) => {
    expect(() => parseXml(source)).toThrow(XmlSyntaxError);
  });
});

describe("escapeXml", () => {
  it("escapes markup and control characters and round-trips through parseXml", () => {
    const text = `a&b<c>"d"'e'\r\n\t\u0001`;
    expect(escapeXml(text)).toBe("a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;&#xD;&#xA;&#x9;&#x1;");
    expect(parseXml(`<K>${escapeXml(text)}</K>`).text).toBe(text);
  });

  it("writes documents in S3's namespace", () => {
    expect(xmlDocument("R", "<A>1</A>")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1</A></R>',
    );
  });
});
