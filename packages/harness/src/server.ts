import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { CvkError } from "@cvk/core";
import type { Sandbox } from "./sandbox.ts";

export interface ServeOptions {
  /** Default 127.0.0.1: the sandbox has no authentication, so it is never exposed by default. */
  host?: string;
  /** Default 4599; 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Bodies up to this size are read whole before the request is handled. Wrapping the socket in a web
 * stream (Readable.toWeb) costs a promise and a copy per chunk, most of a recording upload's time in
 * the server; larger bodies (multipart parts, up to 5 GiB) still stream.
 */
const WHOLE_BODY_LIMIT = 8 * 1024 * 1024;

function readWhole(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = Buffer.allocUnsafe(length);
    let offset = 0;
    req.on("data", (chunk: Buffer) => {
      // More than Content-Length said: the request is malformed; keep what was declared.
      offset += chunk.copy(body, offset);
    });
    req.once("end", () => resolve(offset === length ? body : body.subarray(0, offset)));
    req.once("error", reject);
  });
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i] ?? "", req.rawHeaders[i + 1] ?? "");
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", origin);
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  const length = Number(req.headers["content-length"]);
  if (Number.isInteger(length) && length >= 0 && length <= WHOLE_BODY_LIMIT) {
    return new Request(url, { method, headers, body: await readWhole(req, length) });
  }
  return new Request(url, {
    method,
    headers,
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  if (response.type === "error") {
    // An injected connection reset: drop the socket without an answer.
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (!response.body) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  // JSON and XML answers and small objects go out in one write, without a web-stream pipeline.
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const small = Number.isFinite(length)
    ? length <= WHOLE_BODY_LIMIT
    : /json|xml/.test(response.headers.get("content-type") ?? "");
  if (small) {
    const body = Buffer.from(await response.arrayBuffer());
    headers["content-length"] = String(body.length);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream)
      .pipe(res)
      .on("finish", resolve)
      .on("error", reject);
  });
}

/**
 * Serves a sandbox on a real port so any AWS client (the AWS CLI, boto3, other SDKs) can use it via
 * --endpoint-url. Node's HTTP server answers `Expect: 100-continue` itself.
 */
export async function serveSandbox(sandbox: Sandbox, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4599;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CvkError("USAGE", `Port ${port} is not a port number (0–65535)`, {
      hint: "Pass --port N with 1–65535, or 0 for any free port.",
    });
  }
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    toRequest(req, origin)
      .then((request) => sandbox.handle(request))
      .then((response) => send(response, res))
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ __type: "InternalServerException", message: String(error) }));
      });
  });
  // Keep idle connections longer than any pause a client makes between requests (Node's default
  // is 5 s): when the server closes an idle socket just as a client reuses it, the client sees
  // ECONNRESET, and a busy sandbox (a 100,000-speaker seed blocks it for seconds) made that race
  // common. Headers must be allowed at least as long (Node's headersTimeout rule).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new CvkError("USAGE", `Port ${port} on ${host} is already in use`, {
              hint: "Pick another with --port, or stop what uses it.",
            })
          : // EADDRNOTAVAIL (no such interface here), EACCES (a privileged port), ENOTFOUND (a host name).
            new CvkError("USAGE", `Cannot listen on ${host} port ${port}: ${error.message}`, {
              hint: "Use an address of this machine with --host (default 127.0.0.1) and a free port with --port (0: any).",
              cause: error,
            }),
      ),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
