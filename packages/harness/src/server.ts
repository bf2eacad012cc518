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

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i] ?? "", req.rawHeaders[i + 1] ?? "");
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
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
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
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
    sandbox
      .handle(toRequest(req, origin))
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
