import { uuid } from "../ids.ts";
import { type ResolvedOperation, type ServiceFrontDoor, serviceOf } from "../router.ts";
import type { ServiceContext } from "../service-context.ts";
import { AwsServiceError } from "../service-error.ts";
import type { ConnectEngine, WireInput, WireOutput } from "./engine.ts";
import { CONNECT_OPERATION_ROUTES } from "./routes.ts";

/**
 * Connect's restJson1 front door (Smithy restJson1 protocol, as the SDK's schemas bind it): the route
 * (method + URI template) names the operation, path labels and `httpQuery` members come from the URL,
 * the rest is the JSON body. Success is 200 with a JSON body (timestamps as epoch seconds); an error
 * is its modelled status with `x-amzn-errortype` naming it and `{"Message": …}` plus the error's own
 * members (InvalidContactFlowException's lowercase `problems`).
 */

type QueryKind = "string" | "integer" | "list";

interface ServedOperation {
  /** `httpQuery` bindings: wire name → model member (from the SDK's request schemas). */
  query?: Record<string, { member: string; kind: QueryKind }>;
  run(engine: ConnectEngine, region: string, input: WireInput): WireOutput;
}

const PAGE_QUERY = {
  nextToken: { member: "NextToken", kind: "string" },
  maxResults: { member: "MaxResults", kind: "integer" },
} as const;

/** The operations cvk's contact-flow and verification features need; everything else fails loudly. */
const SERVED: Record<string, ServedOperation> = {
  ListInstances: { query: PAGE_QUERY, run: (engine, region, input) => engine.listInstances(region, input) },
  DescribeInstance: { run: (engine, region, input) => engine.describeInstance(region, input) },
  CreateContactFlow: { run: (engine, region, input) => engine.createContactFlow(region, input) },
  UpdateContactFlowContent: {
    run: (engine, region, input) => engine.updateContactFlowContent(region, input),
  },
  UpdateContactFlowMetadata: {
    run: (engine, region, input) => engine.updateContactFlowMetadata(region, input),
  },
  UpdateContactFlowName: { run: (engine, region, input) => engine.updateContactFlowName(region, input) },
  DescribeContactFlow: { run: (engine, region, input) => engine.describeContactFlow(region, input) },
  ListContactFlows: {
    query: { ...PAGE_QUERY, contactFlowTypes: { member: "ContactFlowTypes", kind: "list" } },
    run: (engine, region, input) => engine.listContactFlows(region, input),
  },
  DeleteContactFlow: { run: (engine, region, input) => engine.deleteContactFlow(region, input) },
  CreateIntegrationAssociation: {
    run: (engine, region, input) => engine.createIntegrationAssociation(region, input),
  },
  ListIntegrationAssociations: {
    query: {
      ...PAGE_QUERY,
      integrationType: { member: "IntegrationType", kind: "string" },
      integrationArn: { member: "IntegrationArn", kind: "string" },
    },
    run: (engine, region, input) => engine.listIntegrationAssociations(region, input),
  },
  DeleteIntegrationAssociation: {
    run: (engine, region, input) => engine.deleteIntegrationAssociation(region, input),
  },
  ListQueues: {
    query: { ...PAGE_QUERY, queueTypes: { member: "QueueTypes", kind: "list" } },
    run: (engine, region, input) => engine.listQueues(region, input),
  },
  ListPrompts: { query: PAGE_QUERY, run: (engine, region, input) => engine.listPrompts(region, input) },
  ListPhoneNumbersV2: { run: (engine, region, input) => engine.listPhoneNumbersV2(region, input) },
  AssociatePhoneNumberContactFlow: {
    run: (engine, region, input) => engine.associatePhoneNumberContactFlow(region, input),
  },
  ListLambdaFunctions: {
    query: PAGE_QUERY,
    run: (engine, region, input) => engine.listLambdaFunctions(region, input),
  },
};

/** The names of the Connect operations the sandbox serves. */
export const SERVED_CONNECT_OPERATIONS: readonly string[] = Object.keys(SERVED);

interface Route {
  operation: string;
  method: string;
  template: string;
  segments: string[];
}

const ROUTES: Route[] = CONNECT_OPERATION_ROUTES.map((line) => {
  const [operation = "", method = "", template = ""] = line.split(" ");
  return { operation, method, template, segments: template.split("/").filter(Boolean) };
});

function isLabel(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

/**
 * The operation a request is for. No two Connect routes with the same method can match one path
 * (checked by routes.test.ts), so the first match is the only one.
 */
function matchRoute(
  method: string,
  pathname: string,
): { route: Route; labels: Record<string, string> } | undefined {
  const parts = pathname.split("/").filter(Boolean);
  for (const route of ROUTES) {
    if (route.method !== method || route.segments.length !== parts.length) continue;
    const labels: Record<string, string> = {};
    const matches = route.segments.every((segment, i) => {
      const part = parts[i] ?? "";
      if (isLabel(segment)) {
        labels[segment.slice(1, -1)] = part;
        return part !== "";
      }
      return segment === part;
    });
    if (matches) return { route, labels };
  }
  return undefined;
}

function decodeLabel(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new AwsServiceError(
      "InvalidParameterException",
      400,
      `The path segment ${value} is not valid URI encoding.`,
    );
  }
}

function queryInput(url: URL, bindings: ServedOperation["query"]): WireInput {
  const input: WireInput = {};
  for (const [wire, { member, kind }] of Object.entries(bindings ?? {})) {
    const values = url.searchParams.getAll(wire);
    if (values.length === 0) continue;
    if (kind === "list") input[member] = values;
    else if (kind === "integer")
      input[member] = /^-?\d+$/.test(values[0] ?? "") ? Number(values[0]) : values[0];
    else input[member] = values[0];
  }
  return input;
}

async function bodyInput(request: Request): Promise<WireInput> {
  if (request.method === "GET" || request.method === "DELETE" || request.method === "HEAD") return {};
  const text = await request.text();
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsServiceError("SerializationException", 400, "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AwsServiceError("SerializationException", 400, "The request body must be a JSON object.");
  }
  return parsed as WireInput;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-amzn-requestid": uuid(), ...headers },
  });
}

/**
 * The id a Create… answers with, for the request log: CreateContactFlow's ContactFlowId,
 * CreateIntegrationAssociation's IntegrationAssociationId (the output shapes of the Connect model
 * name the new resource's id first, then its ARN).
 */
function createdResourceId(operation: string, output: unknown): string | undefined {
  if (!operation.startsWith("Create") || typeof output !== "object" || output === null) return undefined;
  const id = Object.entries(output).find(([member]) => member.endsWith("Id"))?.[1];
  return typeof id === "string" ? id : undefined;
}

export function createConnectDoor(engine: ConnectEngine, context: ServiceContext): ServiceFrontDoor {
  return {
    service: "connect",
    resolve(request: Request, url: URL): ResolvedOperation {
      const method = request.method.toUpperCase();
      const matched = matchRoute(method, url.pathname);
      if (!matched) {
        throw new AwsServiceError(
          "UnknownOperationException",
          400,
          `No Amazon Connect operation is ${method} ${url.pathname}.`,
        );
      }
      const { route, labels } = matched;
      const served = SERVED[route.operation];
      if (!served) {
        throw new AwsServiceError(
          "UnknownOperationException",
          400,
          `The cvk sandbox does not implement the Amazon Connect operation ${route.operation} (${route.method} ${route.template}).`,
        );
      }
      const resolved: ResolvedOperation = {
        operation: route.operation,
        run: async () => {
          const region = serviceOf(request, url).region ?? context.defaultRegion;
          const body = await bodyInput(request);
          const path = Object.fromEntries(
            Object.entries(labels).map(([name, value]) => [name, decodeLabel(value)]),
          );
          // Bindings win over same-named body members, as the protocol places each member in one spot.
          const input: WireInput = { ...body, ...queryInput(url, served.query), ...path };
          const output = served.run(engine, region, input);
          const resource = createdResourceId(route.operation, output);
          if (resource !== undefined) resolved.resource = resource;
          return json(200, output);
        },
      };
      return resolved;
    },
    errorResponse(error: AwsServiceError): Response {
      return json(
        error.status,
        { Message: error.message, ...error.fields },
        { "x-amzn-errortype": error.type },
      );
    },
    throttlingError: () => new AwsServiceError("ThrottlingException", 429, "Rate exceeded."),
  };
}
