/**
 * The awsJson1_0 wire protocol for Voice ID (aws-facts.md §2 "Protocol and endpoint"; Smithy's
 * aws-json protocol page): every operation is `POST /` with `X-Amz-Target: VoiceID.<Operation>`
 * and a JSON body (`{}` when empty); answers are JSON with epoch-second timestamps. Errors are
 * `{"__type": "<Name>", "message": …}` plus the error shape's own members (ConflictType,
 * ResourceType), with the status from the model's `httpError` trait and the name also in
 * `x-amzn-ErrorType`. Every answer carries `x-amzn-RequestId`.
 *
 * Signatures are not verified: the sandbox has no credentials to check them against.
 */

import { randomUUID } from "node:crypto";
import type { ResolvedOperation, ServiceFrontDoor } from "../router.ts";
import { serviceOf } from "../router.ts";
import type { ServiceContext } from "../service-context.ts";
import { AwsServiceError } from "../service-error.ts";
import type { VoiceIdEngine } from "./engine.ts";
import { throttled } from "./model.ts";
import { isOperationName } from "./shapes.ts";
import { serializationError } from "./validate.ts";

const CONTENT_TYPE = "application/x-amz-json-1.0";
const TARGET_PREFIX = "VoiceID";

function unknownOperation(message: string): AwsServiceError {
  // The name AWS JSON services use (architect/dynalite answers the same way; harness-anchors.md §3).
  return new AwsServiceError("UnknownOperationException", 400, message);
}

function jsonResponse(status: number, body: unknown, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID(), ...extraHeaders },
  });
}

/**
 * The id a creating write answers with (StartSpeakerEnrollmentJob → Job.JobId, CreateDomain →
 * Domain.DomainId, CreateWatchlist → Watchlist.WatchlistId), as the output shapes of voice-id.json
 * name them.
 */
function createdResourceId(operation: string, output: unknown): string | undefined {
  if (!(operation.startsWith("Start") || operation.startsWith("Create"))) return undefined;
  const record = output as Record<string, Record<string, unknown> | undefined>;
  const id = record.Job?.JobId ?? record.Domain?.DomainId ?? record.Watchlist?.WatchlistId;
  return typeof id === "string" ? id : undefined;
}

export function createVoiceIdFrontDoor(engine: VoiceIdEngine, context: ServiceContext): ServiceFrontDoor {
  return {
    service: "voiceid",

    resolve(request: Request, url: URL): ResolvedOperation {
      if (request.method !== "POST" || (url.pathname !== "/" && url.pathname !== "")) {
        throw unknownOperation(`Voice ID answers POST / only, not ${request.method} ${url.pathname}.`);
      }
      const target = request.headers.get("x-amz-target");
      if (!target) throw unknownOperation("The request has no X-Amz-Target header naming the operation.");
      const dot = target.indexOf(".");
      const prefix = target.slice(0, dot);
      const operation = target.slice(dot + 1);
      if (dot < 0 || prefix !== TARGET_PREFIX || !isOperationName(operation)) {
        throw unknownOperation(`Unknown operation ${target}.`);
      }
      const region = serviceOf(request, url).region ?? context.defaultRegion;
      const resolved: ResolvedOperation = {
        operation,
        run: async () => {
          const text = await request.text();
          let body: unknown;
          try {
            // "An empty input is sent as {}" (Smithy aws-json); tolerate a bodiless request too.
            body = text.trim() === "" ? {} : JSON.parse(text);
          } catch (error) {
            throw serializationError(`The request body is not valid JSON: ${(error as Error).message}`);
          }
          const output = await engine.invoke(operation, body, { region });
          const resource = createdResourceId(operation, output);
          if (resource !== undefined) resolved.resource = resource;
          return jsonResponse(200, output);
        },
      };
      return resolved;
    },

    errorResponse(error: AwsServiceError): Response {
      return jsonResponse(
        error.status,
        { __type: error.type, message: error.message, ...error.fields },
        { "x-amzn-errortype": error.type },
      );
    },

    throttlingError: () => throttled(),
  };
}
