import type { ConnectClient } from "@aws-sdk/client-connect";
import { CvkError, fromAwsError } from "@cvk/core";
import { isJsonObject, type JsonValue, jsonPointer } from "./canonical.ts";

/**
 * Name references: a template writes `queue:BasicQueue`, `prompt:Beep.wav`, `flow:Default queue
 * transfer` or `lambda:lookup-caller` wherever an ARN goes — in Parameters and in Metadata alike (the
 * console keeps ARNs there too, peers.md §3) — and rendering for an environment swaps each for the ARN
 * of the resource with that name on the target instance, found through the instance's List* APIs
 * (https://docs.aws.amazon.com/connect/latest/APIReference/API_ListQueues.html, …/API_ListPrompts.html,
 * …/API_ListContactFlows.html, …/API_ListLambdaFunctions.html). It fails closed: one unresolved name,
 * or one ARN of another account, Region or instance left anywhere in the document, and nothing is
 * written.
 */

export const REFERENCE_KINDS = ["queue", "prompt", "flow", "lambda"] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

const REFERENCE = /^(queue|prompt|flow|lambda):(.+)$/s;
const ARN = /arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:([^\s"',;<>]+)/g;

export interface NameReference {
  kind: ReferenceKind;
  name: string;
  /** JSON pointer of the value. */
  pointer: string;
}

type Path = (string | number)[];

function walkStrings(value: JsonValue, visit: (text: string, path: Path) => void, path: Path = []): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walkStrings(item, visit, [...path, i]);
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) walkStrings(item, visit, [...path, key]);
  }
}

function mapStrings(value: JsonValue, map: (text: string, path: Path) => string, path: Path = []): JsonValue {
  if (typeof value === "string") return map(value, path);
  if (Array.isArray(value)) return value.map((item, i) => mapStrings(item, map, [...path, i]));
  if (isJsonObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = mapStrings(item, map, [...path, key]);
    return out;
  }
  return value;
}

/** A string value that is exactly one name reference, else undefined. */
export function parseNameReference(text: string): { kind: ReferenceKind; name: string } | undefined {
  const match = REFERENCE.exec(text);
  if (!match || (match[2] ?? "").trim() === "") return undefined;
  return { kind: match[1] as ReferenceKind, name: match[2] as string };
}

/** Every name reference in the document, in document order. */
export function findNameReferences(document: JsonValue): NameReference[] {
  const found: NameReference[] = [];
  walkStrings(document, (text, path) => {
    const reference = parseNameReference(text);
    if (reference) found.push({ ...reference, pointer: jsonPointer(path) });
  });
  return found;
}

/** The instance a flow is rendered for: ARNs in the flow must name its Region, account and id. */
export interface ConnectInstanceScope {
  instanceId: string;
  instanceArn: string;
  region: string;
  accountId: string;
}

const INSTANCE_ARN = /^arn:aws[a-z-]*:connect:([a-z0-9-]+):(\d{12}):instance\/([^/]+)$/;

/** DescribeInstance: the instance's ARN gives the Region and account its flows must stay within. */
export async function describeConnectInstance(
  connect: ConnectClient,
  instanceId: string,
): Promise<ConnectInstanceScope> {
  const { DescribeInstanceCommand } = await import("@aws-sdk/client-connect");
  let arn: string | undefined;
  try {
    arn = (await connect.send(new DescribeInstanceCommand({ InstanceId: instanceId }))).Instance?.Arn;
  } catch (error) {
    const failure = fromAwsError(error, {
      operation: "Connect.DescribeInstance",
      resource: `instance ${instanceId}`,
    });
    if (failure.code === "AWS_NOT_FOUND") {
      throw new CvkError("AWS_NOT_FOUND", `The Connect instance ${instanceId} was not found`, {
        hint: "Check connect.instanceId for this environment and that --region is the instance's Region.",
        cause: error,
        ...(failure.details ? { details: failure.details } : {}),
      });
    }
    throw failure;
  }
  const match = INSTANCE_ARN.exec(arn ?? "");
  if (!match) {
    throw new CvkError(
      "AWS_UNKNOWN",
      `DescribeInstance returned no usable ARN for ${instanceId} (${arn ?? "none"})`,
      {
        hint: "Re-run with --verbose; the endpoint may not be Amazon Connect.",
      },
    );
  }
  return {
    instanceId: match[3] as string,
    instanceArn: arn as string,
    region: match[1] as string,
    accountId: match[2] as string,
  };
}

export interface CatalogEntry {
  name: string;
  arn: string;
  id: string;
  /** Flows only: ContactFlowType. */
  type?: string;
}

/** The named resources of one instance, as its List* APIs return them. */
export class ReferenceCatalog {
  readonly scope: ConnectInstanceScope;
  readonly #entries = new Map<ReferenceKind, CatalogEntry[]>();

  constructor(scope: ConnectInstanceScope, entries: Partial<Record<ReferenceKind, CatalogEntry[]>> = {}) {
    this.scope = scope;
    for (const [kind, list] of Object.entries(entries))
      this.#entries.set(kind as ReferenceKind, [...(list ?? [])]);
  }

  has(kind: ReferenceKind): boolean {
    return this.#entries.has(kind);
  }

  entries(kind: ReferenceKind): CatalogEntry[] {
    return this.#entries.get(kind) ?? [];
  }

  /** Exact-name matches (Connect names are case-sensitive). */
  find(kind: ReferenceKind, name: string): CatalogEntry[] {
    if (kind === "lambda") {
      return this.entries(kind).filter(
        (entry) => entry.name === name || entry.arn.endsWith(`:function:${name}`),
      );
    }
    return this.entries(kind).filter((entry) => entry.name === name);
  }

  /** Adds an entry (a flow deploy just created). */
  add(kind: ReferenceKind, entry: CatalogEntry): void {
    this.#entries.set(kind, [...this.entries(kind), entry]);
  }
}

async function listAll<T>(
  fetchPage: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Lists the instance's resources of the given kinds (every page). */
export async function loadReferenceCatalog(
  connect: ConnectClient,
  scope: ConnectInstanceScope,
  kinds: Iterable<ReferenceKind> = REFERENCE_KINDS,
): Promise<ReferenceCatalog> {
  const sdk = await import("@aws-sdk/client-connect");
  const InstanceId = scope.instanceId;
  const entries: Partial<Record<ReferenceKind, CatalogEntry[]>> = {};
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw fromAwsError(error, { operation: `Connect.${operation}`, resource: `instance ${InstanceId}` });
    }
  };
  for (const kind of new Set(kinds)) {
    switch (kind) {
      case "queue":
        entries.queue = await listAll(async (NextToken) => {
          const page = await call("ListQueues", () =>
            connect.send(
              new sdk.ListQueuesCommand({
                InstanceId,
                MaxResults: 1000,
                ...(NextToken ? { NextToken } : {}),
              }),
            ),
          );
          return {
            items: (page.QueueSummaryList ?? []).map((q) => ({
              name: q.Name ?? "",
              arn: q.Arn ?? "",
              id: q.Id ?? "",
            })),
            nextToken: page.NextToken,
          };
        });
        break;
      case "prompt":
        entries.prompt = await listAll(async (NextToken) => {
          const page = await call("ListPrompts", () =>
            connect.send(
              new sdk.ListPromptsCommand({
                InstanceId,
                MaxResults: 1000,
                ...(NextToken ? { NextToken } : {}),
              }),
            ),
          );
          return {
            items: (page.PromptSummaryList ?? []).map((p) => ({
              name: p.Name ?? "",
              arn: p.Arn ?? "",
              id: p.Id ?? "",
            })),
            nextToken: page.NextToken,
          };
        });
        break;
      case "flow":
        entries.flow = await listContactFlows(connect, InstanceId);
        break;
      case "lambda":
        // API_ListLambdaFunctions: MaxResults 1–25; the function name is the ARN's 7th field.
        entries.lambda = await listAll(async (NextToken) => {
          const page = await call("ListLambdaFunctions", () =>
            connect.send(
              new sdk.ListLambdaFunctionsCommand({
                InstanceId,
                MaxResults: 25,
                ...(NextToken ? { NextToken } : {}),
              }),
            ),
          );
          return {
            items: (page.LambdaFunctions ?? []).map((arn) => ({
              name: arn.split(":")[6] ?? arn,
              arn,
              id: arn,
            })),
            nextToken: page.NextToken,
          };
        });
        break;
    }
  }
  return new ReferenceCatalog(scope, entries);
}

/** Every flow of the instance (ListContactFlows, every page of up to 1,000). */
export async function listContactFlows(connect: ConnectClient, instanceId: string): Promise<CatalogEntry[]> {
  const { ListContactFlowsCommand } = await import("@aws-sdk/client-connect");
  return listAll(async (NextToken) => {
    let page: import("@aws-sdk/client-connect").ListContactFlowsCommandOutput;
    try {
      page = await connect.send(
        new ListContactFlowsCommand({
          InstanceId: instanceId,
          MaxResults: 1000,
          ...(NextToken ? { NextToken } : {}),
        }),
      );
    } catch (error) {
      throw fromAwsError(error, {
        operation: "Connect.ListContactFlows",
        resource: `instance ${instanceId}`,
      });
    }
    return {
      items: (page.ContactFlowSummaryList ?? []).map((f) => ({
        name: f.Name ?? "",
        arn: f.Arn ?? "",
        id: f.Id ?? "",
        ...(f.ContactFlowType ? { type: f.ContactFlowType } : {}),
      })),
      nextToken: page.NextToken,
    };
  });
}

export interface UnresolvedReference extends NameReference {
  reason: "not-found" | "ambiguous";
  /** Names on the instance that look alike (case or spelling). */
  suggestions: string[];
}

export interface ForeignArn {
  pointer: string;
  arn: string;
  /** e.g. "account 444455556666 (the instance is in 111122223333)". */
  reason: string;
}

export interface ReferenceResolution {
  document: JsonValue;
  /** No instance was given: names are left as they are. */
  offline: boolean;
  resolved: (NameReference & { arn: string })[];
  /** Flow names left as names because deploy creates those flows first (dry runs). */
  pending: NameReference[];
  unresolved: UnresolvedReference[];
  foreignArns: ForeignArn[];
  /** ARNs written literally in the template (offline: cannot be checked; prefer a name). */
  literalArns: { pointer: string; arn: string }[];
}

function similarNames(wanted: string, names: string[]): string[] {
  const lower = wanted.toLowerCase();
  return names
    .filter((name) => name !== wanted)
    .filter(
      (name) =>
        name.toLowerCase() === lower ||
        name.toLowerCase().includes(lower) ||
        lower.includes(name.toLowerCase()),
    )
    .slice(0, 3);
}

/** Why an ARN does not belong to the instance, or undefined if it does. */
function foreignReason(arn: RegExpExecArray, scope: ConnectInstanceScope): string | undefined {
  const [, , service, region, account, resource] = arn;
  const reasons: string[] = [];
  if (region && region !== scope.region)
    reasons.push(`Region ${region} (the instance is in ${scope.region})`);
  if (account && account !== scope.accountId)
    reasons.push(`account ${account} (the instance is in ${scope.accountId})`);
  if (service === "connect" && resource?.startsWith("instance/")) {
    const instanceId = resource.split("/")[1];
    if (instanceId !== scope.instanceId) reasons.push(`instance ${instanceId} (not ${scope.instanceId})`);
  }
  return reasons.length > 0 ? reasons.join(", ") : undefined;
}

export interface ResolveReferencesOptions {
  /** Flow names deploy will create before this flow's content is written: left as names, listed as pending. */
  pendingFlows?: ReadonlySet<string>;
}

/**
 * Swaps every name reference for its ARN on the catalog's instance and checks every ARN left in the
 * document. Without a catalog (offline) names stay and nothing is checked against an instance.
 * Use `assertResolved` to fail closed.
 */
export function resolveReferences(
  document: JsonValue,
  catalog: ReferenceCatalog | undefined,
  options: ResolveReferencesOptions = {},
): ReferenceResolution {
  const result: ReferenceResolution = {
    document,
    offline: catalog === undefined,
    resolved: [],
    pending: [],
    unresolved: [],
    foreignArns: [],
    literalArns: [],
  };
  walkStrings(document, (text, path) => {
    for (const match of text.matchAll(ARN))
      result.literalArns.push({ pointer: jsonPointer(path), arn: match[0] });
  });
  if (!catalog) return result;

  result.document = mapStrings(document, (text, path) => {
    const reference = parseNameReference(text);
    if (!reference) return text;
    const pointer = jsonPointer(path);
    const matches = catalog.find(reference.kind, reference.name);
    if (matches.length === 1) {
      const arn = (matches[0] as CatalogEntry).arn;
      result.resolved.push({ ...reference, pointer, arn });
      return arn;
    }
    if (matches.length === 0 && reference.kind === "flow" && options.pendingFlows?.has(reference.name)) {
      result.pending.push({ ...reference, pointer });
      return text;
    }
    result.unresolved.push({
      ...reference,
      pointer,
      reason: matches.length === 0 ? "not-found" : "ambiguous",
      suggestions:
        matches.length === 0
          ? similarNames(
              reference.name,
              catalog.entries(reference.kind).map((e) => e.name),
            )
          : [],
    });
    return text;
  });

  walkStrings(result.document, (text, path) => {
    for (const match of text.matchAll(ARN)) {
      const reason = foreignReason(match, catalog.scope);
      if (reason) result.foreignArns.push({ pointer: jsonPointer(path), arn: match[0], reason });
    }
  });
  return result;
}

/** Throws when a name did not resolve or an ARN of another account, Region or instance is left. */
export function assertResolved(resolution: ReferenceResolution, label: string): void {
  if (resolution.unresolved.length > 0) {
    const problems = resolution.unresolved.map(
      (u) =>
        `${u.pointer}: ${u.kind}:${u.name} ${u.reason === "ambiguous" ? "matches more than one resource" : "not found"}${
          u.suggestions.length > 0 ? ` (did you mean ${u.suggestions.join(", ")}?)` : ""
        }`,
    );
    const names = [...new Set(resolution.unresolved.map((u) => `${u.kind}:${u.name}`))];
    throw new CvkError(
      "FLOW_REFERENCE_UNRESOLVED",
      `${label}: ${names.length} name reference${names.length === 1 ? "" : "s"} did not resolve on the instance: ${names.join(", ")}`,
      {
        hint: "Create the missing resources on the instance or fix the names (they are case-sensitive); `cvk flow render` without --env shows the names as written.",
        details: { problems, unresolved: resolution.unresolved },
      },
    );
  }
  if (resolution.foreignArns.length > 0) {
    const problems = resolution.foreignArns.map((f) => `${f.pointer}: ${f.arn} belongs to ${f.reason}`);
    throw new CvkError(
      "FLOW_FOREIGN_ARN",
      `${label}: ${resolution.foreignArns.length} ARN${resolution.foreignArns.length === 1 ? "" : "s"} of another account, Region or instance left in the flow: ${problems[0]}`,
      {
        hint: "Write references by name (queue:NAME, prompt:NAME, flow:NAME, lambda:NAME) instead of ARNs copied from another instance.",
        details: { problems, foreignArns: resolution.foreignArns },
      },
    );
  }
}
