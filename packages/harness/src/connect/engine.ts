import { createHash } from "node:crypto";
import { CONTACT_FLOW_TYPES, type ContactFlowType } from "@cvk/core";
import {
  checkSavedContent,
  type FlowProblem,
  type FlowReferenceKind,
  type FlowReferenceResolver,
  validateFlowContent,
} from "@cvk/flow-language";
import { uuid } from "../ids.ts";
import type { ServiceContext } from "../service-context.ts";
import { AwsServiceError } from "../service-error.ts";
import { BASIC_QUEUE_NAME, DEFAULT_PROMPT_NAMES, defaultFlows } from "./seed.ts";

/** The instance every sandbox starts with; fixed so tests, demos and config files can name it. */
export const SANDBOX_INSTANCE_ID = "c0ffee00-cafe-4d1d-8a11-5a4db0c0ffee";
export const SANDBOX_INSTANCE_ALIAS = "cvk-sandbox";
/** "Flows per instance: 100" (amazon-connect-service-limits.html); the seeded default flows count, as in AWS. */
export const CONTACT_FLOWS_PER_INSTANCE = 100;

export { CONTACT_FLOW_TYPES, type ContactFlowType } from "@cvk/core";

/** IntegrationType (service model enum). */
const INTEGRATION_TYPES = new Set([
  "ANALYTICS_CONNECTOR",
  "APPLICATION",
  "CALL_TRANSFER_CONNECTOR",
  "CASES_DOMAIN",
  "COGNITO_USER_POOL",
  "EVENT",
  "FILE_SCANNER",
  "MESSAGE_PROCESSOR",
  "PINPOINT_APP",
  "Q_MESSAGE_TEMPLATES",
  "SES_IDENTITY",
  "VOICE_ID",
  "WISDOM_ASSISTANT",
  "WISDOM_KNOWLEDGE_BASE",
  "WISDOM_QUICK_RESPONSES",
]);
const SOURCE_TYPES = new Set(["SALESFORCE", "ZENDESK", "CASES"]);
const QUEUE_TYPES = new Set(["STANDARD", "AGENT"]);
const PHONE_NUMBER_TYPES = new Set([
  "TOLL_FREE",
  "DID",
  "UIFN",
  "SHARED",
  "THIRD_PARTY_TF",
  "THIRD_PARTY_DID",
  "SHORT_CODE",
]);

/** The Voice ID domain ARN pattern from the Voice ID model (aws-facts.md §2). */
const VOICE_ID_DOMAIN_ARN = /^arn:aws(-[^:]+)?:voiceid:([a-z0-9-]+):(\d{12}):domain\/[a-zA-Z0-9]{22}$/;
const INSTANCE_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/([^/]+)$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

interface QueueRecord {
  id: string;
  arn: string;
  name: string;
  type: "STANDARD" | "AGENT";
  lastModifiedTime: number;
  seq: number;
}

interface PromptRecord {
  id: string;
  arn: string;
  name: string;
  lastModifiedTime: number;
  seq: number;
}

interface LambdaRecord {
  arn: string;
  seq: number;
}

interface PhoneNumberRecord {
  id: string;
  arn: string;
  phoneNumber: string;
  countryCode: string;
  type: string;
  description?: string;
  contactFlowId?: string;
  seq: number;
}

interface IntegrationRecord {
  id: string;
  arn: string;
  type: string;
  integrationArn: string;
  sourceApplicationUrl?: string;
  sourceApplicationName?: string;
  sourceType?: string;
  tags?: Record<string, string>;
  seq: number;
}

/** One instance and its small resources: one JSON document, written whole (`connect/instance/<id>`). */
interface InstanceDoc {
  id: string;
  arn: string;
  alias: string;
  region: string;
  createdTime: number;
  /** Creation order (ListInstances pages by it). */
  seq: number;
  serviceRole: string;
  tags: Record<string, string>;
  /** The flows-per-instance quota; raised with setContactFlowQuota as a Service Quotas increase would. */
  flowQuota: number;
  queues: QueueRecord[];
  prompts: PromptRecord[];
  lambdaFunctions: LambdaRecord[];
  phoneNumbers: PhoneNumberRecord[];
  integrations: IntegrationRecord[];
}

interface ContentRevision {
  content: string;
  sha256: string;
  at: number;
}

/** One flow: its own document (`connect/flow/<instanceId>/<flowId>`), so big flows are not rewritten with the instance. */
interface FlowDoc {
  id: string;
  arn: string;
  instanceId: string;
  seq: number;
  name: string;
  description?: string;
  type: ContactFlowType;
  state: "ACTIVE" | "ARCHIVED";
  /** PUBLISHED when the latest saved content is the published one, SAVED when there are unpublished changes. */
  status: "PUBLISHED" | "SAVED";
  tags: Record<string, string>;
  /** The latest content, published or not (`:$SAVED`). */
  saved: ContentRevision;
  /** The content contacts run (the plain id); absent until first published. */
  published?: ContentRevision;
  /** Each distinct publish, numbered from 1 (`:{version}`). */
  versions: (ContentRevision & { version: number })[];
  lastModifiedTime: number;
}

export interface InstanceSummary {
  id: string;
  arn: string;
  alias: string;
  region: string;
}

export interface InstanceResources {
  instance: InstanceSummary;
  queues: { id: string; arn: string; name: string; type: string }[];
  prompts: { id: string; arn: string; name: string }[];
  lambdaFunctions: string[];
  phoneNumbers: { id: string; arn: string; phoneNumber: string; contactFlowId?: string }[];
  flows: { id: string; arn: string; name: string; type: string; status: string; state: string }[];
  integrations: { id: string; arn: string; type: string; integrationArn: string }[];
}

/** A wire input: path labels, query parameters and body members by their model names. */
export type WireInput = Record<string, unknown>;
/** A wire output: body members by their model names. */
export type WireOutput = Record<string, unknown>;

const notFound = (message: string) => new AwsServiceError("ResourceNotFoundException", 404, message);
const invalidParameter = (message: string) => new AwsServiceError("InvalidParameterException", 400, message);
const invalidRequest = (message: string) => new AwsServiceError("InvalidRequestException", 400, message);
const duplicate = (message: string) => new AwsServiceError("DuplicateResourceException", 409, message);

/** InvalidContactFlowException: the model's `problems` (lowercase) list holds 1–50 ProblemDetail. */
function invalidContactFlow(problems: FlowProblem[]): AwsServiceError {
  const listed = problems.slice(0, 50).map((problem) => ({ message: problem.message }));
  return new AwsServiceError(
    "InvalidContactFlowException",
    400,
    `The flow is not valid: ${listed.length} problem${listed.length === 1 ? "" : "s"} found.`,
    { problems: listed },
  );
}

type ErrorFactory = (message: string) => AwsServiceError;

function sha256(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

function optionalString(input: WireInput, key: string, error: ErrorFactory): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw error(`${key} must be a string.`);
  return value;
}

function requiredString(input: WireInput, key: string, error: ErrorFactory): string {
  const value = optionalString(input, key, error);
  if (value === undefined || value === "") throw error(`${key} is required.`);
  return value;
}

function optionalEnum<T extends string>(
  input: WireInput,
  key: string,
  allowed: Iterable<T>,
  error: ErrorFactory,
): T | undefined {
  const value = optionalString(input, key, error);
  if (value === undefined) return undefined;
  const values = [...allowed];
  if (!values.includes(value as T))
    throw error(`${key} must be one of ${values.join(", ")} (got "${value}").`);
  return value as T;
}

function stringList(input: WireInput, key: string, error: ErrorFactory): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string"))
    throw error(`${key} must be a list of strings.`);
  return value as string[];
}

function tagsOf(input: WireInput, error: ErrorFactory): Record<string, string> {
  const value = input.Tags;
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw error("Tags must be a map of strings.");
  const entries = Object.entries(value as Record<string, unknown>);
  // TagMap: 1–50 entries (service model).
  if (entries.length > 50) throw error("Tags may hold at most 50 entries.");
  for (const [key, tag] of entries) if (typeof tag !== "string") throw error(`Tag ${key} must be a string.`);
  return Object.fromEntries(entries) as Record<string, string>;
}

interface PageRequest {
  input: WireInput;
  max: number;
  /** The documented default page size (100 for the flow, queue and prompt summaries). */
  defaultSize: number;
  /** Identifies the listing (instance and filters); a token from another listing is refused. */
  listing: string;
  error: ErrorFactory;
}

/**
 * One page of `items` (already filtered) in creation order. The token names the last item returned,
 * not an offset, so deletions between pages never skip or repeat an item; it is opaque base64url.
 */
function paginate<T extends { seq: number }>(
  items: T[],
  request: PageRequest,
): { page: T[]; nextToken?: string } {
  const { input, max, defaultSize, listing, error } = request;
  const rawSize = input.MaxResults;
  let size = defaultSize;
  if (rawSize !== undefined && rawSize !== null) {
    if (typeof rawSize !== "number" || !Number.isInteger(rawSize) || rawSize < 1 || rawSize > max) {
      throw error(`MaxResults must be a whole number from 1 to ${max}.`);
    }
    size = rawSize;
  }
  let after = Number.NEGATIVE_INFINITY;
  const token = input.NextToken;
  if (token !== undefined && token !== null && token !== "") {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(String(token), "base64url").toString("utf8"));
    } catch {
      decoded = undefined;
    }
    const parsed = decoded as { after?: unknown; listing?: unknown } | undefined;
    if (typeof parsed?.after !== "number" || parsed.listing !== listing)
      throw error("The NextToken is not valid for this request.");
    after = parsed.after;
  }
  const sorted = items.filter((item) => item.seq > after).sort((a, b) => a.seq - b.seq);
  const page = sorted.slice(0, size);
  const last = page.at(-1);
  if (sorted.length > size && last) {
    return {
      page,
      nextToken: Buffer.from(JSON.stringify({ after: last.seq, listing }), "utf8").toString("base64url"),
    };
  }
  return { page };
}

/** Parses a flow reference as the API takes it: an id or ARN, optionally `:$SAVED`, `:$LATEST` or `:{version}`. */
function parseFlowReference(value: string): { id: string; qualifier?: string } {
  let rest = value;
  if (rest.startsWith("arn:")) {
    const at = rest.indexOf("/contact-flow/");
    rest = at >= 0 ? rest.slice(at + "/contact-flow/".length) : rest;
  }
  const colon = rest.indexOf(":");
  if (colon < 0) return { id: rest };
  return { id: rest.slice(0, colon), qualifier: rest.slice(colon + 1) };
}

/**
 * The state behind the Connect front door: instances with their queues, prompts, Lambda associations,
 * claimed phone numbers, integration associations and flows. Every operation validates first and then
 * changes state in one synchronous step, writing whole JSON documents to the sandbox store.
 */
export class ConnectEngine {
  readonly #context: ServiceContext;
  readonly #instances = new Map<string, InstanceDoc>();
  readonly #flows = new Map<string, Map<string, FlowDoc>>();
  /** The last ordering number handed out (instances, and every record within them); never persisted, recomputed on load. */
  #seq = 0;

  constructor(context: ServiceContext) {
    this.#context = context;
    this.#load();
    if (!this.#instances.has(SANDBOX_INSTANCE_ID)) {
      this.#createInstance({
        alias: SANDBOX_INSTANCE_ALIAS,
        id: SANDBOX_INSTANCE_ID,
        region: context.defaultRegion,
      });
    }
  }

  #load(): void {
    const { store } = this.#context;
    for (const key of store.listJson("connect/instance/")) {
      const doc = store.readJson<InstanceDoc>(key);
      if (!doc) continue;
      const copy = structuredClone(doc);
      this.#instances.set(copy.id, copy);
      const records = [
        copy,
        ...copy.queues,
        ...copy.prompts,
        ...copy.lambdaFunctions,
        ...copy.phoneNumbers,
        ...copy.integrations,
      ];
      this.#seq = Math.max(this.#seq, ...records.map((record) => record.seq));
    }
    for (const key of store.listJson("connect/flow/")) {
      const doc = store.readJson<FlowDoc>(key);
      if (!doc) continue;
      const copy = structuredClone(doc);
      this.#flowsOf(copy.instanceId).set(copy.id, copy);
      this.#seq = Math.max(this.#seq, copy.seq);
    }
  }

  #nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  #flowsOf(instanceId: string): Map<string, FlowDoc> {
    let flows = this.#flows.get(instanceId);
    if (!flows) {
      flows = new Map();
      this.#flows.set(instanceId, flows);
    }
    return flows;
  }

  #now(): number {
    return this.#context.clock.now();
  }

  #writeInstance(doc: InstanceDoc): void {
    this.#context.store.writeJson(`connect/instance/${doc.id}`, doc);
    this.#instances.set(doc.id, doc);
  }

  /** Applies a change to a copy, writes it whole, then makes it current: one synchronous step. */
  #updateInstance(instance: InstanceDoc, change: (draft: InstanceDoc) => void): InstanceDoc {
    const draft = structuredClone(instance);
    change(draft);
    this.#writeInstance(draft);
    return draft;
  }

  #writeFlow(doc: FlowDoc): void {
    this.#context.store.writeJson(`connect/flow/${doc.instanceId}/${doc.id}`, doc);
    this.#flowsOf(doc.instanceId).set(doc.id, doc);
  }

  #connectArn(region: string, resource: string): string {
    return `arn:aws:connect:${region}:${this.#context.accountId}:${resource}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Engine helpers for tests and demos (not part of the wire API)

  /**
   * Creates another instance (e.g. a dev and a prod one), seeded like a fresh Connect instance. `id`
   * gives it a chosen instance id (a UUID, as Connect's are), so a config file's instanceId can exist
   * in the sandbox too (`cvk … --sandbox` seeds the configured instance on demand).
   */
  createInstance(options: { alias: string; region?: string; id?: string }): InstanceSummary {
    if (options.id !== undefined) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.id))
        throw invalidParameter(`"${options.id}" is not an instance id (a UUID).`);
      if (this.#instances.has(options.id)) throw duplicate(`Instance ${options.id} already exists.`);
    }
    const doc = this.#createInstance({
      alias: options.alias,
      region: options.region ?? this.#context.defaultRegion,
      ...(options.id === undefined ? {} : { id: options.id }),
    });
    return this.#summary(doc);
  }

  /** The instance with this id, if the sandbox holds it (in any Region). */
  findInstance(instanceId: string): InstanceSummary | undefined {
    const doc = this.#instances.get(instanceId);
    return doc ? this.#summary(doc) : undefined;
  }

  #createInstance(options: { alias: string; region: string; id?: string }): InstanceDoc {
    const { alias, region } = options;
    // InstanceAlias (DirectoryAlias): 1–45 characters, letters, digits and inner hyphens, not starting "d-".
    if (!/^(?!d-)[\da-zA-Z]+(-*[\da-zA-Z])*$/.test(alias) || alias.length > 45) {
      throw invalidParameter(`"${alias}" is not a valid instance alias.`);
    }
    if ([...this.#instances.values()].some((instance) => instance.alias === alias)) {
      throw duplicate(`An instance with the alias ${alias} already exists.`);
    }
    const id = options.id ?? uuid();
    const now = this.#now();
    const instanceArn = this.#connectArn(region, `instance/${id}`);
    const doc: InstanceDoc = {
      id,
      arn: instanceArn,
      alias,
      region,
      createdTime: now,
      seq: this.#nextSeq(),
      serviceRole: `arn:aws:iam::${this.#context.accountId}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_${id.replace(/-/g, "").slice(0, 20)}`,
      tags: {},
      flowQuota: CONTACT_FLOWS_PER_INSTANCE,
      queues: [
        {
          id: uuid(),
          arn: "",
          name: BASIC_QUEUE_NAME,
          type: "STANDARD",
          lastModifiedTime: now,
          seq: this.#nextSeq(),
        },
      ],
      prompts: DEFAULT_PROMPT_NAMES.map((name) => ({
        id: uuid(),
        arn: "",
        name,
        lastModifiedTime: now,
        seq: this.#nextSeq(),
      })),
      lambdaFunctions: [],
      phoneNumbers: [],
      integrations: [],
    };
    for (const queue of doc.queues) queue.arn = `${instanceArn}/queue/${queue.id}`;
    for (const prompt of doc.prompts) prompt.arn = `${instanceArn}/prompt/${prompt.id}`;
    doc.phoneNumbers.push(this.#newPhoneNumber(doc, {}));
    this.#writeInstance(doc);

    const basicQueue = doc.queues[0];
    const seeds = defaultFlows({
      basicQueueArn: basicQueue?.arn ?? "",
      promptArn: (name) => doc.prompts.find((prompt) => prompt.name === name)?.arn ?? "",
    });
    for (const seed of seeds) {
      const revision = { content: seed.content, sha256: sha256(seed.content), at: now };
      const flowId = uuid();
      this.#writeFlow({
        id: flowId,
        arn: `${instanceArn}/contact-flow/${flowId}`,
        instanceId: id,
        seq: this.#nextSeq(),
        name: seed.name,
        description: seed.description,
        type: seed.type as ContactFlowType,
        state: "ACTIVE",
        status: "PUBLISHED",
        tags: {},
        saved: revision,
        published: revision,
        versions: [{ ...revision, version: 1 }],
        lastModifiedTime: now,
      });
    }
    return doc;
  }

  #summary(doc: InstanceDoc): InstanceSummary {
    return { id: doc.id, arn: doc.arn, alias: doc.alias, region: doc.region };
  }

  #instanceById(instanceId: string): InstanceDoc {
    const instance = this.#instances.get(instanceId);
    if (!instance) throw notFound(`Instance ${instanceId} not found.`);
    return instance;
  }

  /** Adds a queue (Connect has no DeleteQueue either, so tests only ever add). */
  addQueue(options: { name: string; type?: "STANDARD" | "AGENT"; instanceId?: string }): {
    id: string;
    arn: string;
  } {
    const instance = this.#instanceById(options.instanceId ?? SANDBOX_INSTANCE_ID);
    if (instance.queues.some((queue) => queue.name === options.name))
      throw duplicate(`A queue named ${options.name} already exists.`);
    const id = uuid();
    const record: QueueRecord = {
      id,
      arn: `${instance.arn}/queue/${id}`,
      name: options.name,
      type: options.type ?? "STANDARD",
      lastModifiedTime: this.#now(),
      seq: this.#nextSeq(),
    };
    this.#updateInstance(instance, (draft) => draft.queues.push(record));
    return { id, arn: record.arn };
  }

  addPrompt(options: { name: string; instanceId?: string }): { id: string; arn: string } {
    const instance = this.#instanceById(options.instanceId ?? SANDBOX_INSTANCE_ID);
    if (instance.prompts.some((prompt) => prompt.name === options.name))
      throw duplicate(`A prompt named ${options.name} already exists.`);
    const id = uuid();
    const record: PromptRecord = {
      id,
      arn: `${instance.arn}/prompt/${id}`,
      name: options.name,
      lastModifiedTime: this.#now(),
      seq: this.#nextSeq(),
    };
    this.#updateInstance(instance, (draft) => draft.prompts.push(record));
    return { id, arn: record.arn };
  }

  /**
   * Associates a Lambda function with the instance (what AssociateLambdaFunction does), by ARN or by
   * function name in the instance's Region and account. Returns the function ARN.
   */
  addLambdaFunction(options: { functionArn?: string; name?: string; instanceId?: string }): string {
    const instance = this.#instanceById(options.instanceId ?? SANDBOX_INSTANCE_ID);
    const arn =
      options.functionArn ??
      `arn:aws:lambda:${instance.region}:${this.#context.accountId}:function:${options.name ?? "cvk-sandbox-function"}`;
    if (!LAMBDA_ARN.test(arn)) throw invalidParameter(`${arn} is not a Lambda function ARN.`);
    if (instance.lambdaFunctions.some((fn) => fn.arn === arn))
      throw duplicate(`${arn} is already associated.`);
    const record = { arn, seq: this.#nextSeq() };
    this.#updateInstance(instance, (draft) => draft.lambdaFunctions.push(record));
    return arn;
  }

  /** Claims a phone number for the instance (E.164; default: the next free fictional +1 206 555 01xx number). */
  addPhoneNumber(
    options: {
      phoneNumber?: string;
      countryCode?: string;
      type?: string;
      description?: string;
      instanceId?: string;
    } = {},
  ): { id: string; arn: string; phoneNumber: string } {
    const instance = this.#instanceById(options.instanceId ?? SANDBOX_INSTANCE_ID);
    const record = this.#newPhoneNumber(instance, options);
    this.#updateInstance(instance, (draft) => draft.phoneNumbers.push(record));
    return { id: record.id, arn: record.arn, phoneNumber: record.phoneNumber };
  }

  #newPhoneNumber(
    instance: InstanceDoc,
    options: { phoneNumber?: string; countryCode?: string; type?: string; description?: string },
  ): PhoneNumberRecord {
    const claimed = new Set(
      [...this.#instances.values(), instance].flatMap((i) => i.phoneNumbers.map((p) => p.phoneNumber)),
    );
    let phoneNumber = options.phoneNumber;
    if (phoneNumber === undefined) {
      // 555-0100 to 555-0199 are the numbers reserved for fiction in the North American plan.
      for (let n = 100; n < 200 && phoneNumber === undefined; n++) {
        const candidate = `+1206555${String(n).padStart(4, "0")}`;
        if (!claimed.has(candidate)) phoneNumber = candidate;
      }
      if (phoneNumber === undefined)
        throw invalidRequest("The sandbox ran out of fictional phone numbers; pass one.");
    }
    if (!/^\+[1-9]\d{1,14}$/.test(phoneNumber))
      throw invalidParameter(`${phoneNumber} is not an E.164 phone number.`);
    if (claimed.has(phoneNumber)) throw duplicate(`${phoneNumber} is already claimed.`);
    const type = options.type ?? "DID";
    if (!PHONE_NUMBER_TYPES.has(type)) throw invalidParameter(`${type} is not a phone number type.`);
    const id = uuid();
    return {
      id,
      arn: this.#connectArn(instance.region, `phone-number/${id}`),
      phoneNumber,
      countryCode: options.countryCode ?? "US",
      type,
      ...(options.description === undefined ? {} : { description: options.description }),
      seq: this.#nextSeq(),
    };
  }

  /** Raises (or lowers) the flows-per-instance quota, as a Service Quotas increase does for a real instance. */
  setContactFlowQuota(limit: number, instanceId: string = SANDBOX_INSTANCE_ID): void {
    if (!Number.isInteger(limit) || limit < 0) throw invalidParameter("The quota must be a whole number.");
    this.#updateInstance(this.#instanceById(instanceId), (draft) => {
      draft.flowQuota = limit;
    });
  }

  /** Everything the instance holds, for tests and demos that need an ARN to put in a flow. */
  instanceResources(instanceId: string = SANDBOX_INSTANCE_ID): InstanceResources {
    const instance = this.#instanceById(instanceId);
    const bySeq = <T extends { seq: number }>(items: T[]) => [...items].sort((a, b) => a.seq - b.seq);
    return {
      instance: this.#summary(instance),
      queues: instance.queues.map(({ id, arn, name, type }) => ({ id, arn, name, type })),
      prompts: instance.prompts.map(({ id, arn, name }) => ({ id, arn, name })),
      lambdaFunctions: instance.lambdaFunctions.map((fn) => fn.arn),
      phoneNumbers: instance.phoneNumbers.map(({ id, arn, phoneNumber, contactFlowId }) => ({
        id,
        arn,
        phoneNumber,
        ...(contactFlowId === undefined ? {} : { contactFlowId }),
      })),
      flows: bySeq([...this.#flowsOf(instance.id).values()]).map(
        ({ id, arn, name, type, status, state }) => ({
          id,
          arn,
          name,
          type,
          status,
          state,
        }),
      ),
      integrations: instance.integrations.map(({ id, arn, type, integrationArn }) => ({
        id,
        arn,
        type,
        integrationArn,
      })),
    };
  }

  /** What the instance offers to flow references: the resolver Connect's publish checks use. */
  flowReferenceResolver(instanceId: string = SANDBOX_INSTANCE_ID): FlowReferenceResolver {
    const instance = this.#instanceById(instanceId);
    const flows = this.#flowsOf(instance.id);
    const unqualified = (arn: string) => arn.split(":").slice(0, 7).join(":");
    return {
      instance: { region: instance.region, accountId: this.#context.accountId, instanceId: instance.id },
      exists: (kind: FlowReferenceKind, id: string) => {
        switch (kind) {
          case "queue":
            return instance.queues.some((queue) => queue.id === id);
          case "prompt":
            return instance.prompts.some((prompt) => prompt.id === id);
          case "contact-flow":
            return flows.has(id);
          case "lambda-function":
            return instance.lambdaFunctions.some((fn) => unqualified(fn.arn) === unqualified(id));
          case "phone-number":
            return instance.phoneNumbers.some((number) => number.phoneNumber === id);
          default:
            return false;
        }
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Wire operations: `region` is the one the request was signed for; inputs use the model's member names.

  /** An instance of this Region by id or ARN; instances are regional, as in AWS. */
  #instanceFor(region: string, value: unknown, error: ErrorFactory = invalidParameter): InstanceDoc {
    if (typeof value !== "string" || value === "") throw error("InstanceId is required.");
    const id = INSTANCE_ARN.exec(value)?.[1] ?? value;
    const instance = this.#instances.get(id);
    if (!instance || instance.region !== region) throw notFound(`Instance ${value} not found in ${region}.`);
    return instance;
  }

  #flowFor(instance: InstanceDoc, value: unknown): { flow: FlowDoc; qualifier?: string } {
    if (typeof value !== "string" || value === "") throw invalidParameter("ContactFlowId is required.");
    const { id, qualifier } = parseFlowReference(value);
    const flow = this.#flowsOf(instance.id).get(id);
    if (!flow) throw notFound(`Contact flow ${id} not found in instance ${instance.id}.`);
    return { flow, ...(qualifier === undefined ? {} : { qualifier }) };
  }

  listInstances(region: string, input: WireInput): WireOutput {
    // ListInstances models only InvalidRequestException for bad input; MaxResults is 1–10.
    const instances = [...this.#instances.values()]
      .filter((instance) => instance.region === region)
      .map((instance) => ({ instance, seq: instance.seq }));
    const { page, nextToken } = paginate(instances, {
      input,
      max: 10,
      defaultSize: 10,
      listing: `instances:${region}`,
      error: invalidRequest,
    });
    return {
      InstanceSummaryList: page.map(({ instance }) => this.#instanceWire(instance, false)),
      NextToken: nextToken,
    };
  }

  describeInstance(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId, invalidRequest);
    return { Instance: this.#instanceWire(instance, true) };
  }

  #instanceWire(instance: InstanceDoc, full: boolean): WireOutput {
    return {
      Id: instance.id,
      Arn: instance.arn,
      IdentityManagementType: "CONNECT_MANAGED",
      InstanceAlias: instance.alias,
      CreatedTime: epochSeconds(instance.createdTime),
      ServiceRole: instance.serviceRole,
      InstanceStatus: "ACTIVE",
      InboundCallsEnabled: true,
      OutboundCallsEnabled: true,
      InstanceAccessUrl: `https://${instance.alias}.my.connect.aws`,
      ...(full ? { Tags: instance.tags } : {}),
    };
  }

  /**
   * CreateContactFlow: Status PUBLISHED (the default, as every IaC tool relies on) runs the publish
   * validation; SAVED only checks the content is JSON within the length limit ("PUBLISHED status will
   * initiate validation on the content. SAVED status does not").
   */
  createContactFlow(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const name = requiredString(input, "Name", invalidParameter);
    const type = optionalEnum(input, "Type", CONTACT_FLOW_TYPES, invalidParameter);
    if (type === undefined) throw invalidParameter("Type is required.");
    const content = optionalString(input, "Content", invalidParameter);
    if (content === undefined) throw invalidParameter("Content is required.");
    const description = optionalString(input, "Description", invalidParameter);
    const status =
      optionalEnum(input, "Status", ["PUBLISHED", "SAVED"] as const, invalidParameter) ?? "PUBLISHED";
    const tags = tagsOf(input, invalidParameter);

    const flows = this.#flowsOf(instance.id);
    if ([...flows.values()].some((flow) => flow.name === name)) {
      throw duplicate(`A flow named "${name}" already exists in instance ${instance.id}.`);
    }
    if (flows.size >= instance.flowQuota) {
      throw new AwsServiceError(
        "LimitExceededException",
        429,
        `Instance ${instance.id} already has ${flows.size} flows; the quota is ${instance.flowQuota} flows per instance.`,
      );
    }
    const problems =
      status === "PUBLISHED"
        ? validateFlowContent(content, this.flowReferenceResolver(instance.id))
        : checkSavedContent(content);
    if (problems.length > 0) throw invalidContactFlow(problems);

    const now = this.#now();
    const revision: ContentRevision = { content, sha256: sha256(content), at: now };
    const id = uuid();
    const flow: FlowDoc = {
      id,
      arn: `${instance.arn}/contact-flow/${id}`,
      instanceId: instance.id,
      seq: this.#nextSeq(),
      name,
      ...(description === undefined ? {} : { description }),
      type,
      state: "ACTIVE",
      status,
      tags,
      saved: revision,
      ...(status === "PUBLISHED" ? { published: revision } : {}),
      versions: status === "PUBLISHED" ? [{ ...revision, version: 1 }] : [],
      lastModifiedTime: now,
    };
    this.#writeFlow(flow);
    return { ContactFlowId: id, ContactFlowArn: flow.arn, FlowContentSha256: revision.sha256 };
  }

  /**
   * UpdateContactFlowContent has no Status member: the id says it. `<id>:$SAVED` saves without
   * publishing (JSON and length checks only); the plain id publishes, so the content is validated
   * (API_UpdateContactFlowContent: "Use the $SAVED alias in the request to describe the SAVED content").
   */
  updateContactFlowContent(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const { flow, qualifier } = this.#flowFor(instance, input.ContactFlowId);
    if (qualifier !== undefined && qualifier !== "$SAVED" && qualifier !== "$LATEST") {
      throw invalidParameter(`A flow version (${qualifier}) cannot be updated; versions are immutable.`);
    }
    const content = optionalString(input, "Content", invalidParameter);
    if (content === undefined) throw invalidParameter("Content is required.");
    const publish = qualifier !== "$SAVED";
    const problems = publish
      ? validateFlowContent(content, this.flowReferenceResolver(instance.id))
      : checkSavedContent(content);
    if (problems.length > 0) throw invalidContactFlow(problems);

    const now = this.#now();
    const revision: ContentRevision = { content, sha256: sha256(content), at: now };
    const next: FlowDoc = {
      ...structuredClone(flow),
      saved: revision,
      status: publish ? "PUBLISHED" : "SAVED",
      lastModifiedTime: now,
    };
    if (publish) {
      next.published = revision;
      const last = next.versions.at(-1);
      if (last?.sha256 !== revision.sha256)
        next.versions.push({ ...revision, version: (last?.version ?? 0) + 1 });
    }
    this.#writeFlow(next);
    return {};
  }

  updateContactFlowMetadata(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const { flow } = this.#flowFor(instance, input.ContactFlowId);
    const name = optionalString(input, "Name", invalidParameter);
    const description = optionalString(input, "Description", invalidParameter);
    const state = optionalEnum(input, "ContactFlowState", ["ACTIVE", "ARCHIVED"] as const, invalidParameter);
    this.#rename(instance, flow, name, description, state);
    return {};
  }

  updateContactFlowName(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const { flow } = this.#flowFor(instance, input.ContactFlowId);
    const name = optionalString(input, "Name", invalidParameter);
    const description = optionalString(input, "Description", invalidParameter);
    this.#rename(instance, flow, name, description, undefined);
    return {};
  }

  #rename(
    instance: InstanceDoc,
    flow: FlowDoc,
    name?: string,
    description?: string,
    state?: "ACTIVE" | "ARCHIVED",
  ): void {
    if (name !== undefined) {
      if (name === "") throw invalidParameter("Name cannot be empty.");
      const clash = [...this.#flowsOf(instance.id).values()].some(
        (other) => other.id !== flow.id && other.name === name,
      );
      if (clash) throw duplicate(`A flow named "${name}" already exists in instance ${instance.id}.`);
    }
    const next: FlowDoc = structuredClone(flow);
    if (name !== undefined) next.name = name;
    if (description !== undefined) next.description = description;
    if (state !== undefined) next.state = state;
    next.lastModifiedTime = this.#now();
    this.#writeFlow(next);
  }

  /**
   * DescribeContactFlow: the plain id (or `:$LATEST`) is the published flow, ContactFlowNotPublishedException
   * before the first publish; `:$SAVED` is the latest content; `:{n}` is published version n.
   */
  describeContactFlow(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const { flow, qualifier } = this.#flowFor(instance, input.ContactFlowId);
    let revision: ContentRevision;
    let status: "PUBLISHED" | "SAVED" = "PUBLISHED";
    let version: number | undefined;
    if (qualifier === "$SAVED") {
      revision = flow.saved;
      status = flow.status;
    } else if (qualifier === undefined || qualifier === "$LATEST") {
      if (!flow.published) {
        throw new AwsServiceError(
          "ContactFlowNotPublishedException",
          404,
          `Flow ${flow.id} has not been published; describe ${flow.id}:$SAVED for its saved content.`,
        );
      }
      revision = flow.published;
    } else if (/^\d+$/.test(qualifier)) {
      const found = flow.versions.find((candidate) => candidate.version === Number(qualifier));
      if (!found) throw notFound(`Flow ${flow.id} has no version ${qualifier}.`);
      revision = found;
      version = found.version;
    } else {
      throw invalidParameter(
        `"${qualifier}" is not a flow alias or version; use $SAVED, $LATEST or a version number.`,
      );
    }
    return {
      ContactFlow: {
        Arn: flow.arn,
        Id: flow.id,
        Name: flow.name,
        Type: flow.type,
        State: flow.state,
        Status: status,
        Description: flow.description,
        Content: revision.content,
        Tags: flow.tags,
        FlowContentSha256: revision.sha256,
        ...(version === undefined ? {} : { Version: version }),
        LastModifiedTime: epochSeconds(flow.lastModifiedTime),
        LastModifiedRegion: instance.region,
      },
    };
  }

  listContactFlows(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const types = stringList(input, "ContactFlowTypes", invalidParameter);
    if (types) {
      // ContactFlowTypes: at most 10 (service model).
      if (types.length > 10) throw invalidParameter("ContactFlowTypes may list at most 10 types.");
      for (const type of types) {
        if (!(CONTACT_FLOW_TYPES as readonly string[]).includes(type))
          throw invalidParameter(`${type} is not a contact flow type.`);
      }
    }
    const flows = [...this.#flowsOf(instance.id).values()].filter(
      (flow) => !types || types.includes(flow.type),
    );
    const { page, nextToken } = paginate(flows, {
      input,
      max: 1000,
      defaultSize: 100,
      listing: `flows:${instance.id}:${[...(types ?? [])].sort().join(",")}`,
      error: invalidParameter,
    });
    return {
      ContactFlowSummaryList: page.map((flow) => ({
        Id: flow.id,
        Arn: flow.arn,
        Name: flow.name,
        ContactFlowType: flow.type,
        ContactFlowState: flow.state,
        ContactFlowStatus: flow.status,
      })),
      NextToken: nextToken,
    };
  }

  deleteContactFlow(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const { flow } = this.#flowFor(instance, input.ContactFlowId);
    this.#context.store.deleteJson(`connect/flow/${instance.id}/${flow.id}`);
    this.#flowsOf(instance.id).delete(flow.id);
    // A number left pointing at a deleted flow would route calls nowhere; drop the association with it.
    if (instance.phoneNumbers.some((number) => number.contactFlowId === flow.id)) {
      this.#updateInstance(instance, (draft) => {
        for (const number of draft.phoneNumbers)
          if (number.contactFlowId === flow.id) delete number.contactFlowId;
      });
    }
    return {};
  }

  /**
   * CreateIntegrationAssociation. For VOICE_ID: the ARN must be a Voice ID domain of the instance's
   * Region and account, and an instance takes one domain ("A second association gives
   * DuplicateResourceException", voiceid-integration-association-apis.html). The integration-association
   * operations model no InvalidParameterException, so bad input is an InvalidRequestException.
   */
  createIntegrationAssociation(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId, invalidRequest);
    const type = optionalEnum(input, "IntegrationType", INTEGRATION_TYPES, invalidRequest);
    if (type === undefined) throw invalidRequest("IntegrationType is required.");
    const integrationArn = requiredString(input, "IntegrationArn", invalidRequest);
    const sourceApplicationUrl = optionalString(input, "SourceApplicationUrl", invalidRequest);
    const sourceApplicationName = optionalString(input, "SourceApplicationName", invalidRequest);
    const sourceType = optionalEnum(input, "SourceType", SOURCE_TYPES, invalidRequest);
    const tags = tagsOf(input, invalidRequest);
    const hasSource = [sourceApplicationUrl, sourceApplicationName, sourceType].some(
      (value) => value !== undefined,
    );
    if (type === "EVENT" && (!sourceApplicationUrl || !sourceApplicationName || !sourceType)) {
      throw invalidRequest(
        "An EVENT integration needs SourceApplicationUrl, SourceApplicationName and SourceType.",
      );
    }
    if (type !== "EVENT" && hasSource) {
      throw invalidRequest(
        "SourceApplicationUrl, SourceApplicationName and SourceType apply to EVENT integrations only.",
      );
    }
    if (type === "VOICE_ID") {
      const match = VOICE_ID_DOMAIN_ARN.exec(integrationArn);
      if (!match) throw invalidRequest(`IntegrationArn ${integrationArn} is not a Voice ID domain ARN.`);
      const [, , domainRegion, domainAccount] = match;
      if (domainRegion !== instance.region || domainAccount !== this.#context.accountId) {
        throw invalidRequest(
          `The Voice ID domain must be in the instance's Region (${instance.region}) and account (${this.#context.accountId}).`,
        );
      }
      if (this.#context.voiceIdDomainExists && !this.#context.voiceIdDomainExists(integrationArn)) {
        throw notFound(`Voice ID domain ${integrationArn} not found.`);
      }
      if (instance.integrations.some((integration) => integration.type === "VOICE_ID")) {
        throw duplicate(
          `Instance ${instance.id} already has a Voice ID domain; delete that integration association before associating another.`,
        );
      }
    } else if (!integrationArn.startsWith("arn:")) {
      throw invalidRequest(`IntegrationArn ${integrationArn} is not an ARN.`);
    }
    if (
      instance.integrations.some(
        (integration) => integration.type === type && integration.integrationArn === integrationArn,
      )
    ) {
      throw duplicate(`${integrationArn} is already associated with instance ${instance.id}.`);
    }
    const id = uuid();
    const record: IntegrationRecord = {
      id,
      arn: `${instance.arn}/integration-association/${id}`,
      type,
      integrationArn,
      ...(sourceApplicationUrl === undefined ? {} : { sourceApplicationUrl }),
      ...(sourceApplicationName === undefined ? {} : { sourceApplicationName }),
      ...(sourceType === undefined ? {} : { sourceType }),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
      seq: this.#nextSeq(),
    };
    this.#updateInstance(instance, (draft) => draft.integrations.push(record));
    return { IntegrationAssociationId: id, IntegrationAssociationArn: record.arn };
  }

  listIntegrationAssociations(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId, invalidRequest);
    const type = optionalEnum(input, "IntegrationType", INTEGRATION_TYPES, invalidRequest);
    const integrationArn = optionalString(input, "IntegrationArn", invalidRequest);
    const matching = instance.integrations.filter(
      (integration) =>
        (type === undefined || integration.type === type) &&
        (integrationArn === undefined || integration.integrationArn === integrationArn),
    );
    const { page, nextToken } = paginate(matching, {
      input,
      max: 100,
      defaultSize: 100,
      listing: `integrations:${instance.id}:${type ?? ""}:${integrationArn ?? ""}`,
      error: invalidRequest,
    });
    return {
      IntegrationAssociationSummaryList: page.map((integration) => ({
        IntegrationAssociationId: integration.id,
        IntegrationAssociationArn: integration.arn,
        InstanceId: instance.id,
        IntegrationType: integration.type,
        IntegrationArn: integration.integrationArn,
        SourceApplicationUrl: integration.sourceApplicationUrl,
        SourceApplicationName: integration.sourceApplicationName,
        SourceType: integration.sourceType,
      })),
      NextToken: nextToken,
    };
  }

  deleteIntegrationAssociation(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId, invalidRequest);
    const id = requiredString(input, "IntegrationAssociationId", invalidRequest);
    if (!instance.integrations.some((integration) => integration.id === id)) {
      throw notFound(`Integration association ${id} not found in instance ${instance.id}.`);
    }
    this.#updateInstance(instance, (draft) => {
      draft.integrations = draft.integrations.filter((integration) => integration.id !== id);
    });
    return {};
  }

  listQueues(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const types = stringList(input, "QueueTypes", invalidParameter);
    for (const type of types ?? [])
      if (!QUEUE_TYPES.has(type)) throw invalidParameter(`${type} is not a queue type.`);
    const queues = instance.queues.filter((queue) => !types || types.includes(queue.type));
    const { page, nextToken } = paginate(queues, {
      input,
      max: 1000,
      defaultSize: 100,
      listing: `queues:${instance.id}:${[...(types ?? [])].sort().join(",")}`,
      error: invalidParameter,
    });
    return {
      QueueSummaryList: page.map((queue) => ({
        Id: queue.id,
        Arn: queue.arn,
        Name: queue.name,
        QueueType: queue.type,
        LastModifiedTime: epochSeconds(queue.lastModifiedTime),
        LastModifiedRegion: instance.region,
      })),
      NextToken: nextToken,
    };
  }

  listPrompts(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    const { page, nextToken } = paginate(instance.prompts, {
      input,
      max: 1000,
      defaultSize: 100,
      listing: `prompts:${instance.id}`,
      error: invalidParameter,
    });
    return {
      PromptSummaryList: page.map((prompt) => ({
        Id: prompt.id,
        Arn: prompt.arn,
        Name: prompt.name,
        LastModifiedTime: epochSeconds(prompt.lastModifiedTime),
        LastModifiedRegion: instance.region,
      })),
      NextToken: nextToken,
    };
  }

  listLambdaFunctions(region: string, input: WireInput): WireOutput {
    const instance = this.#instanceFor(region, input.InstanceId);
    // API_ListLambdaFunctions: MaxResults 1–25.
    const { page, nextToken } = paginate(instance.lambdaFunctions, {
      input,
      max: 25,
      defaultSize: 25,
      listing: `lambdas:${instance.id}`,
      error: invalidParameter,
    });
    return { LambdaFunctions: page.map((fn) => fn.arn), NextToken: nextToken };
  }

  /**
   * ListPhoneNumbersV2: by TargetArn (an instance ARN) or InstanceId; with neither, "lists numbers
   * claimed to all the Connect instances belonging to your account in the same Region as the request".
   */
  listPhoneNumbersV2(region: string, input: WireInput): WireOutput {
    const targetArn = optionalString(input, "TargetArn", invalidParameter);
    const instanceId = optionalString(input, "InstanceId", invalidParameter);
    let scope = [...this.#instances.values()].filter((instance) => instance.region === region);
    if (targetArn !== undefined) {
      const target = scope.find((instance) => instance.arn === targetArn);
      if (!target) throw notFound(`Target ${targetArn} not found in ${region}.`);
      scope = [target];
    }
    if (instanceId !== undefined) {
      const instance = this.#instanceFor(region, instanceId);
      if (targetArn !== undefined && scope[0]?.id !== instance.id) {
        throw invalidParameter("TargetArn and InstanceId name different instances.");
      }
      scope = [instance];
    }
    const countries = stringList(input, "PhoneNumberCountryCodes", invalidParameter);
    const types = stringList(input, "PhoneNumberTypes", invalidParameter);
    const prefix = optionalString(input, "PhoneNumberPrefix", invalidParameter);
    const numbers = scope.flatMap((instance) =>
      instance.phoneNumbers
        .filter(
          (number) =>
            (!countries || countries.includes(number.countryCode)) &&
            (!types || types.includes(number.type)) &&
            (prefix === undefined ||
              number.phoneNumber.startsWith(prefix.startsWith("+") ? prefix : `+${prefix}`)),
        )
        .map((number) => ({ ...number, instance })),
    );
    const { page, nextToken } = paginate(numbers, {
      input,
      max: 1000,
      defaultSize: 100,
      listing: `numbers:${region}:${targetArn ?? ""}:${instanceId ?? ""}:${countries?.join(",") ?? ""}:${types?.join(",") ?? ""}:${prefix ?? ""}`,
      error: invalidParameter,
    });
    return {
      ListPhoneNumbersSummaryList: page.map((number) => ({
        PhoneNumberId: number.id,
        PhoneNumberArn: number.arn,
        PhoneNumber: number.phoneNumber,
        PhoneNumberCountryCode: number.countryCode,
        PhoneNumberType: number.type,
        TargetArn: number.instance.arn,
        InstanceId: number.instance.id,
        PhoneNumberDescription: number.description,
      })),
      NextToken: nextToken,
    };
  }

  /**
   * AssociatePhoneNumberContactFlow: the number must be claimed by the instance, and callers dial into
   * an inbound flow, so the flow must be of type CONTACT_FLOW.
   */
  associatePhoneNumberContactFlow(region: string, input: WireInput): WireOutput {
    const phoneNumberId = requiredString(input, "PhoneNumberId", invalidParameter);
    const instance = this.#instanceFor(region, input.InstanceId);
    const flowId = requiredString(input, "ContactFlowId", invalidParameter);
    const numberId = phoneNumberId.startsWith("arn:")
      ? (phoneNumberId.split("/").at(-1) ?? "")
      : phoneNumberId;
    const owner = [...this.#instances.values()].find(
      (candidate) =>
        candidate.region === region && candidate.phoneNumbers.some((number) => number.id === numberId),
    );
    if (!owner) throw notFound(`Phone number ${phoneNumberId} not found.`);
    if (owner.id !== instance.id)
      throw invalidRequest(`Phone number ${phoneNumberId} is not claimed by instance ${instance.id}.`);
    const { flow } = this.#flowFor(instance, flowId);
    if (flow.type !== "CONTACT_FLOW") {
      throw invalidRequest(
        `Flow ${flow.id} is a ${flow.type} flow; a phone number needs an inbound (CONTACT_FLOW) flow.`,
      );
    }
    this.#updateInstance(instance, (draft) => {
      for (const number of draft.phoneNumbers) if (number.id === numberId) number.contactFlowId = flow.id;
    });
    return {};
  }
}
