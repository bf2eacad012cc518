/**
 * A streaming decoder for `Content-Encoding: aws-chunked` request bodies.
 *
 * The framing (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
 * sigv4-streaming-trailers.html):
 *
 *     <hex-size>[;chunk-signature=<64 hex>]\r\n<size bytes>\r\n   … repeated …
 *     0[;chunk-signature=<64 hex>]\r\n
 *     [<trailer-name>:<value>\r\n …]      (x-amz-checksum-crc32:…, x-amz-trailer-signature:…)
 *     \r\n
 *
 * used with `x-amz-content-sha256` STREAMING-UNSIGNED-PAYLOAD-TRAILER (what the JS SDK sends for
 * stream bodies since the default-integrity change, aws/aws-sdk-js-v3#6810),
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD and STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER. The sandbox
 * does not authenticate, so chunk signatures are parsed and ignored.
 *
 * Bytes arrive in arbitrary pieces (a size line may be split anywhere), so the decoder is a small
 * state machine fed with `push`; decoded data is returned as views into the input, never copied.
 */

export class AwsChunkedError extends Error {
  /** "truncated": the body ended before the final chunk; "malformed": the framing is wrong. */
  readonly reason: "truncated" | "malformed";

  constructor(reason: "truncated" | "malformed", message: string) {
    super(message);
    this.name = "AwsChunkedError";
    this.reason = reason;
  }
}

type State = "size" | "data" | "dataEnd" | "trailer" | "done";

/** Longest size or trailer line accepted: a signed size line is ~85 bytes, a trailer ~100. */
const MAX_LINE = 4096;
const CR = 0x0d;
const LF = 0x0a;

export class AwsChunkedDecoder {
  #state: State = "size";
  /** Bytes of the size or trailer line read so far (lines may span pushes). */
  #line: number[] = [];
  /** Data bytes left in the current chunk, or CRLF bytes left after it. */
  #remaining = 0;
  #decoded = 0;
  readonly #trailers = new Map<string, string>();

  /** Trailer headers by lower-case name; complete once `end()` has returned. */
  get trailers(): ReadonlyMap<string, string> {
    return this.#trailers;
  }

  /** Decoded payload bytes so far. */
  get decodedLength(): number {
    return this.#decoded;
  }

  get done(): boolean {
    return this.#state === "done";
  }

  /** Feeds the next piece of the encoded body; returns the payload bytes it completes. */
  push(input: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < input.length) {
      switch (this.#state) {
        case "data": {
          const take = Math.min(this.#remaining, input.length - i);
          out.push(input.subarray(i, i + take));
          i += take;
          this.#remaining -= take;
          this.#decoded += take;
          if (this.#remaining === 0) {
            this.#state = "dataEnd";
            this.#remaining = 2;
          }
          break;
        }
        case "dataEnd": {
          const expected = this.#remaining === 2 ? CR : LF;
          if (input[i] !== expected)
            throw new AwsChunkedError("malformed", "A chunk's data is not followed by CRLF");
          i++;
          this.#remaining--;
          if (this.#remaining === 0) this.#state = "size";
          break;
        }
        case "size":
        case "trailer": {
          const byte = input[i++] as number;
          if (byte !== LF) {
            if (this.#line.length >= MAX_LINE)
              throw new AwsChunkedError("malformed", "A chunk header line is too long");
            this.#line.push(byte);
            break;
          }
          if (this.#line.at(-1) !== CR)
            throw new AwsChunkedError("malformed", "A chunk header line does not end in CRLF");
          const line = Buffer.from(this.#line.slice(0, -1)).toString("latin1");
          this.#line = [];
          if (this.#state === "size") this.#sizeLine(line);
          else this.#trailerLine(line);
          break;
        }
        case "done":
          throw new AwsChunkedError("malformed", "Data follows the final chunk");
      }
    }
    return out;
  }

  #sizeLine(line: string): void {
    const semicolon = line.indexOf(";");
    const hex = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
    if (!/^[0-9a-fA-F]{1,13}$/.test(hex))
      throw new AwsChunkedError("malformed", `Invalid chunk size line: ${JSON.stringify(line.slice(0, 64))}`);
    if (semicolon >= 0 && !/^chunk-signature=[0-9a-fA-F]+$/.test(line.slice(semicolon + 1).trim())) {
      throw new AwsChunkedError("malformed", "Invalid chunk extension (only chunk-signature is defined)");
    }
    const size = Number.parseInt(hex, 16);
    if (size === 0) {
      this.#state = "trailer";
      return;
    }
    this.#remaining = size;
    this.#state = "data";
  }

  #trailerLine(line: string): void {
    if (line === "") {
      this.#state = "done";
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0)
      throw new AwsChunkedError("malformed", `Invalid trailer line: ${JSON.stringify(line.slice(0, 64))}`);
    this.#trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }

  /**
   * Call when the encoded body has ended. Throws unless the final chunk was read. The blank line
   * after the trailers is optional here: some clients end the body right after the last trailer.
   */
  end(): void {
    if (this.#state === "done") return;
    if (this.#state === "trailer" && this.#line.length === 0) {
      this.#state = "done";
      return;
    }
    throw new AwsChunkedError("truncated", "The aws-chunked body ended before its final chunk");
  }
}

/** Decodes an aws-chunked stream; `decoder.trailers` is complete once the iteration finishes. */
export async function* decodeAwsChunked(
  source: AsyncIterable<Uint8Array>,
  decoder: AwsChunkedDecoder = new AwsChunkedDecoder(),
): AsyncGenerator<Uint8Array> {
  for await (const piece of source) {
    for (const data of decoder.push(piece)) yield data;
  }
  decoder.end();
}
