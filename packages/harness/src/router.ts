import type { Clock } from "@cvk/core";
import type { FaultInjector } from "./faults.ts";
import type { QuotaEnforcer } from "./quota-enforcer.ts";
import type { LoggedRequest, RequestLog } from "./request-log.ts";
import { AwsServiceError } from "./service-error.ts";

export type ServiceName = "voiceid" | "s3" | "connect";

/** An operation a front door recognised in a request, ready to run. */
export interface ResolvedOperation {
  operation: string;
  run(): Promise<Response>;
  /** Set by `run` when the operation created or returned a resource: logged as its `resource`. */
  resource?: string;
}

/**
 * One AWS protocol front door (awsJson1_0 for Voice ID, restXml for S3, restJson1 for Connect):
 * recognises its operations and turns engine results and AwsServiceErrors into wire responses.
 */
export interface ServiceFrontDoor {
  readonly service: ServiceName;
  /** The operation for this request, or an AwsServiceError for an unknown one. */
  resolve(request: Request, url: URL): ResolvedOperation;
  /** The wire form of an error in this protocol. */
  errorResponse(error: AwsServiceError): Response;
  /** This service's throttling error (ThrottlingException, S3 SlowDown, …). */
  throttlingError(): AwsServiceError;
}

export interface RouterOptions {
  clock: Clock;
  faults: FaultInjector;
  log: RequestLog;
  /** Enforce documented TPS quotas (off by default). */
  quotas?: QuotaEnforcer | undefined;
}

/** Each service's modelled name for its own failure (the SDK maps these to typed exceptions). */
const INTERNAL_ERROR: Record<ServiceName, string> = {
  voiceid: "InternalServerException",
  connect: "InternalServiceException",
  s3: "InternalError",
};

const SIGV4_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/**
 * Which service a request is for: the SigV4 credential scope names it (`…/us-west-2/voiceid/aws4_request`),
 * in the Authorization header or a presigned URL. Unsigned requests fall back to protocol hints.
 */
export function serviceOf(
  request: Request,
  url: URL,
): { service: ServiceName | undefined; region: string | undefined } {
  const scope =
    SIGV4_SCOPE.exec(request.headers.get("authorization") ?? "") ??
    SIGV4_SCOPE.exec(`Credential=${url.searchParams.get("X-Amz-Credential") ?? ""}`);
  const region = scope?.[1];
  const named = scope?.[2];
  if (named === "voiceid" || named === "s3" || named === "connect") return { service: named, region };
  const target = request.headers.get("x-amz-target") ?? "";
  if (target.startsWith("VoiceID.")) return { service: "voiceid", region };
  const host = url.hostname;
  if (host.startsWith("voiceid.")) return { service: "voiceid", region };
  if (host.startsWith("connect.")) return { service: "connect", region };
  if (
    /^\/(contact-flows|contact-flows-summary|instance|queues-summary|prompts-summary|phone-number|lambda-functions)\b/.test(
      url.pathname,
    )
  ) {
    return { service: "connect", region };
  }
  return { service: named === undefined ? "s3" : undefined, region };
}

/** Routes each request to its front door, applying faults and quotas and logging every request. */
export class SandboxRouter {
  readonly #doors: Map<ServiceName, ServiceFrontDoor>;
  readonly #options: RouterOptions;

  constructor(doors: ServiceFrontDoor[], options: RouterOptions) {
    this.#doors = new Map(doors.map((door) => [door.service, door]));
    this.#options = options;
  }

  /**
   * Requests run concurrently (uploads stream in parallel); engines keep each state change within
   * one synchronous step, so interleaving at `await` points cannot corrupt it.
   */
  async handle(request: Request): Promise<Response> {
    const { clock, faults, log, quotas } = this.#options;
    const url = new URL(request.url);
    const { service } = serviceOf(request, url);
    const door = service ? this.#doors.get(service) : undefined;
    if (!door) {
      log.record({
        at: clock.now(),
        service: "unknown",
        operation: "Unknown",
        status: 400,
        error: "UnknownService",
      });
      return Response.json(
        { __type: "UnknownServiceException", message: "The sandbox serves voiceid, s3 and connect only." },
        { status: 400 },
      );
    }
    let resolved: ResolvedOperation;
    try {
      resolved = door.resolve(request, url);
    } catch (error) {
      const failure =
        error instanceof AwsServiceError ? error : new AwsServiceError("InternalFailure", 500, String(error));
      log.record({
        at: clock.now(),
        service: door.service,
        operation: "Unknown",
        status: failure.status,
        error: failure.type,
      });
      return door.errorResponse(failure);
    }
    const key = `${door.service}:${resolved.operation}`;
    const entry: Omit<LoggedRequest, "seq" | "write" | "status"> = {
      at: clock.now(),
      service: door.service,
      operation: resolved.operation,
    };

    for (const fault of faults.decide(key)) {
      if (fault.kind === "latency") {
        await clock.sleep(fault.ms);
        entry.delayedMs = fault.ms;
        continue;
      }
      if (fault.kind === "connectionReset") {
        log.record({ ...entry, status: 0, fault: "connectionReset" });
        return Response.error();
      }
      const injected =
        fault.kind === "throttle"
          ? door.throttlingError()
          : // Voice ID and Connect model their internal errors at 500 only; S3 also answers 503.
            new AwsServiceError(
              INTERNAL_ERROR[door.service],
              door.service === "s3" ? fault.status : 500,
              "Injected server error",
            );
      log.record({ ...entry, status: injected.status, error: injected.type, fault: fault.kind });
      return door.errorResponse(injected);
    }
    if (quotas && !quotas.tryTake(key)) {
      const throttled = door.throttlingError();
      log.record({ ...entry, status: throttled.status, error: throttled.type, fault: "quota" });
      return door.errorResponse(throttled);
    }

    let response: Response;
    try {
      response = await resolved.run();
    } catch (error) {
      const failure =
        error instanceof AwsServiceError
          ? error
          : new AwsServiceError(INTERNAL_ERROR[door.service], 500, `Sandbox failure: ${String(error)}`);
      response = door.errorResponse(failure);
    }
    const errorName =
      response.status >= 300
        ? (response.headers.get("x-amzn-errortype") ?? response.headers.get("x-amz-error-code") ?? undefined)
        : undefined;
    log.record({
      ...entry,
      status: response.status,
      ...(errorName ? { error: errorName.split(":")[0] ?? errorName } : {}),
      ...(resolved.resource === undefined || response.status >= 300 ? {} : { resource: resolved.resource }),
    });
    return response;
  }
}
