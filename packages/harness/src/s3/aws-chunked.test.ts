import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder, AwsChunkedError, decodeAwsChunked } from "./aws-chunked.ts";
import { digestOf } from "./checksums.ts";

const SIGNATURE = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";

/** Encodes like the JS SDK (unsigned, trailer) or like a SigV4 streaming signer (signed chunks). */
function encode(
  chunks: Buffer[],
  options: { signed?: boolean; trailers?: Record<string, string>; finalCrlf?: boolean } = {},
): Buffer {
  const ext = options.signed ? `;chunk-signature=${SIGNATURE}` : "";
  const parts: Buffer[] = [];
  for (const chunk of chunks)
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`), chunk, Buffer.from("\r\n"));
  parts.push(Buffer.from(`0${ext}\r\n`));
  for (const [name, value] of Object.entries(options.trailers ?? {}))
    parts.push(Buffer.from(`${name}:${value}\r\n`));
  if (options.finalCrlf !== false) parts.push(Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

function decodeInPieces(encoded: Buffer, cuts: number[]): { data: Buffer; decoder: AwsChunkedDecoder } {
  const decoder = new AwsChunkedDecoder();
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, encoded.length]) {
    out.push(...decoder.push(encoded.subarray(from, cut)));
    from = cut;
  }
  decoder.end();
  return { data: Buffer.concat(out), decoder };
}

describe("AwsChunkedDecoder", () => {
  const payload = Buffer.from("Hello, aws-chunked world! The quick brown fox.");
  const chunks = [payload.subarray(0, 17), payload.subarray(17, 18), payload.subarray(18)];
  const crc = digestOf("CRC32", payload).toString("base64");

  const variants = {
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER": encode(chunks, { trailers: { "x-amz-checksum-crc32": crc } }),
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": encode(chunks, { signed: true }),
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": encode(chunks, {
      signed: true,
      trailers: { "x-amz-checksum-crc32": crc, "x-amz-trailer-signature": SIGNATURE },
    }),
  };

  for (const [name, encoded] of Object.entries(variants)) {
    it(`decodes ${name} split at every byte boundary`, () => {
      for (let cut = 0; cut <= encoded.length; cut++) {
        const { data, decoder } = decodeInPieces(encoded, [cut]);
        expect(data.equals(payload), `split at ${cut}`).toBe(true);
        expect(decoder.decodedLength).toBe(payload.length);
        if (name.endsWith("TRAILER")) expect(decoder.trailers.get("x-amz-checksum-crc32")).toBe(crc);
        else expect(decoder.trailers.size).toBe(0);
      }
    });

    it(`decodes ${name} fed one byte at a time`, () => {
      const cuts = Array.from({ length: encoded.length - 1 }, (_, i) => i + 1);
      expect(decodeInPieces(encoded, cuts).data.equals(payload)).toBe(true);
    });
  }

  it("reads several trailers, names lower-cased", () => {
    const encoded = encode([payload], {
      trailers: { "X-Amz-Checksum-SHA256": "abc=", "x-amz-trailer-signature": SIGNATURE },
    });
    const { decoder } = decodeInPieces(encoded, []);
    expect(decoder.trailers.get("x-amz-checksum-sha256")).toBe("abc=");
    expect(decoder.trailers.get("x-amz-trailer-signature")).toBe(SIGNATURE);
  });

  it("accepts a body that ends right after the last trailer line", () => {
    const encoded = encode([payload], { trailers: { "x-amz-checksum-crc32": crc }, finalCrlf: false });
    expect(decodeInPieces(encoded, [5]).decoder.trailers.get("x-amz-checksum-crc32")).toBe(crc);
  });

  it("decodes an empty payload", () => {
    const { data, decoder } = decodeInPieces(
      encode([], { trailers: { "x-amz-checksum-crc32": "AAAAAA==" } }),
      [],
    );
    expect(data.length).toBe(0);
    expect(decoder.done).toBe(true);
  });

  it("decodes large chunks with uppercase hex sizes", () => {
    const big = randomBytes(0x1abcd);
    const encoded = Buffer.concat([
      Buffer.from(`${big.length.toString(16).toUpperCase()}\r\n`),
      big,
      Buffer.from("\r\n0\r\n\r\n"),
    ]);
    expect(decodeInPieces(encoded, [3, 9000, 100_000]).data.equals(big)).toBe(true);
  });

  it("rejects a truncated body", () => {
    const encoded = variants["STREAMING-UNSIGNED-PAYLOAD-TRAILER"];
    for (const cut of [0, 3, 25, encoded.length - 40]) {
      const decoder = new AwsChunkedDecoder();
      decoder.push(encoded.subarray(0, cut));
      expect(() => decoder.end(), `cut at ${cut}`).toThrow(AwsChunkedError);
    }
  });

  it.each([
    ["a non-hex size", "zz\r\nabc\r\n0\r\n\r\n"],
    ["a size line without CR", "3\nabc\r\n0\r\n\r\n"],
    ["data longer than its size", "3\r\nabcd\r\n0\r\n\r\n"],
    ["an unknown chunk extension", "3;foo=bar\r\nabc\r\n0\r\n\r\n"],
    ["a trailer without a colon", "3\r\nabc\r\n0\r\nnonsense\r\n\r\n"],
    ["bytes after the final chunk", "3\r\nabc\r\n0\r\n\r\nextra"],
  ])("rejects %s", (_name, body) => {
    const decoder = new AwsChunkedDecoder();
    let error: unknown;
    try {
      decoder.push(Buffer.from(body));
      decoder.end();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AwsChunkedError);
    expect((error as AwsChunkedError).reason).toBe("malformed");
  });

  it("decodeAwsChunked streams an async source and completes the trailers", async () => {
    const encoded = variants["STREAMING-UNSIGNED-PAYLOAD-TRAILER"];
    async function* source() {
      for (let at = 0; at < encoded.length; at += 7) yield encoded.subarray(at, at + 7);
    }
    const decoder = new AwsChunkedDecoder();
    const out: Uint8Array[] = [];
    for await (const piece of decodeAwsChunked(source(), decoder)) out.push(piece);
    expect(Buffer.concat(out).equals(payload)).toBe(true);
    expect(decoder.trailers.get("x-amz-checksum-crc32")).toBe(crc);
  });
});
