import * as sdk from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { SERVED_CONNECT_OPERATIONS } from "./door.ts";
import { CONNECT_OPERATION_ROUTES } from "./routes.ts";

/** The SDK's operation schemas: `[9, namespace, name, { http: [method, uri, code] }, input, output]`. */
function sdkRoutes(): string[] {
  const routes: string[] = [];
  for (const [key, value] of Object.entries(sdk as Record<string, unknown>)) {
    if (!key.endsWith("$") || !Array.isArray(value) || value[0] !== 9) continue;
    const traits = value[3] as { http?: [string, string, number] } | undefined;
    if (!traits?.http) continue;
    routes.push(`${String(value[2])} ${traits.http[0]} ${traits.http[1]}`);
  }
  return routes.sort();
}

describe("the Connect route table", () => {
  it("is exactly the installed SDK's routes", () => {
    const fromSdk = sdkRoutes();
    expect(fromSdk.length).toBeGreaterThan(300);
    expect([...CONNECT_OPERATION_ROUTES]).toEqual(fromSdk);
  });

  it("has no two routes of one method that can match the same path", () => {
    const parsed = CONNECT_OPERATION_ROUTES.map((line) => {
      const [name = "", method = "", uri = ""] = line.split(" ");
      return { name, method, segments: uri.split("/").filter(Boolean) };
    });
    const label = (segment: string) => segment.startsWith("{");
    const clashes: string[] = [];
    parsed.forEach((a, i) => {
      for (const b of parsed.slice(i + 1)) {
        if (a.method !== b.method || a.segments.length !== b.segments.length) continue;
        const overlap = a.segments.every((s, k) => {
          const t = b.segments[k] ?? "";
          return label(s) || label(t) || s === t;
        });
        if (overlap) clashes.push(`${a.name} / ${b.name}`);
      }
    });
    expect(clashes).toEqual([]);
  });

  it("holds every operation the sandbox serves", () => {
    const names = new Set(CONNECT_OPERATION_ROUTES.map((line) => line.split(" ")[0]));
    expect(SERVED_CONNECT_OPERATIONS.filter((name) => !names.has(name))).toEqual([]);
    expect(SERVED_CONNECT_OPERATIONS).toHaveLength(17);
  });
});
