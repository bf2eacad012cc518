/**
 * The Voice ID service behind the sandbox's front door: domains, watchlists, fraudsters, speakers,
 * tags, batch jobs (`jobs.ts`) and sessions (`sessions.ts`), with the behaviour the model documents
 * and the quotas AWS publishes (aws-facts.md §2–§4).
 *
 * `invoke(operation, body, call)` is what the wire calls: it validates the body against the model
 * (`validate.ts`) and answers with the wire-shaped output (timestamps in epoch seconds). Every
 * state change happens in one synchronous step after any `await`, because requests run
 * concurrently.
 *
 * Choices where the model and the docs are silent are marked "Sandbox choice" below.
 */

import { alphanumericId, hashPrefixedId } from "../ids.ts";
import type { S3ObjectAccess, ServiceContext } from "../service-context.ts";
import { JobRunner, tokenReused } from "./jobs.ts";
import {
  compactVector,
  conflict,
  type DomainRecord,
  effectiveSpeakerStatus,
  epochSeconds,
  type FraudsterRecord,
  fingerprint,
  invalid,
  type JobKind,
  notFound,
  quotaExceeded,
  type SpeakerRecord,
  type SpeakerStatus,
  type TagRecord,
  VOICE_ID_LIMITS,
  voiceIdArn,
  type WatchlistRecord,
} from "./model.ts";
import { type PageRequest, paginate, timeKey } from "./pagination.ts";
import { SessionService, type SimulatedSession, type SimulateSessionOptions } from "./sessions.ts";
import { OPERATION_INPUTS, type OperationName } from "./shapes.ts";
import { VoiceIdState } from "./state.ts";
import { validateInput } from "./validate.ts";

/** Per-request facts the wire supplies. */
export interface CallContext {
  /** The Region the request was signed for (SigV4 scope), else the sandbox default. */
  region: string;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
type Handler = (input: Input, call: CallContext) => Output | Promise<Output>;

/** A speaker to load directly into a domain (large-domain tests, demos, benchmarks). */
export interface SeedSpeaker {
  customerSpeakerId: string;
  status?: SpeakerStatus;
  voiceprint?: readonly number[];
  /** Default: now. */
  lastAccessedAt?: number;
}

/** A fraudster to load directly into a domain. */
export interface SeedFraudster {
  /** Default: the domain's default watchlist. */
  watchlistIds?: string[];
  voiceprint?: readonly number[];
}

export class VoiceIdEngine {
  readonly #context: ServiceContext;
  readonly #state: VoiceIdState;
  readonly #jobs: JobRunner;
  readonly #sessions: SessionService;
  readonly #handlers: Record<OperationName, Handler>;
  /**
   * Whether the account has accepted the BIPA consent in the console. CreateDomain works only after
   * it ("not possible by API", aws-facts.md §3 "Permissions"); without it CreateDomain answers
   * ResourceNotFoundException with ResourceType COMPLIANCE_CONSENT. True by default.
   */
  complianceConsent = true;

  constructor(context: ServiceContext, s3: S3ObjectAccess) {
    this.#context = context;
    this.#state = new VoiceIdState(context.store);
    this.#jobs = new JobRunner(context, s3, this.#state);
    this.#sessions = new SessionService(context, this.#state);
    this.#handlers = {
      AssociateFraudster: (input, call) => this.#associateFraudster(input, call),
      CreateDomain: (input, call) => this.#createDomain(input, call),
      CreateWatchlist: (input, call) => this.#createWatchlist(input, call),
      DeleteDomain: (input, call) => this.#deleteDomain(input, call),
      DeleteFraudster: (input, call) => this.#deleteFraudster(input, call),
      DeleteSpeaker: (input, call) => this.#deleteSpeaker(input, call),
      DeleteWatchlist: (input, call) => this.#deleteWatchlist(input, call),
      DescribeDomain: (input, call) => ({
        Domain: this.#domainOutput(this.#observeDomain(this.#domain(input, call), true)),
      }),
      DescribeFraudster: (input, call) => ({
        Fraudster: this.#fraudsterOutput(this.#domain(input, call), this.#fraudster(input)),
      }),
      DescribeFraudsterRegistrationJob: async (input, call) => ({
        Job: await this.#jobs.describe(
          "registration",
          this.#domain(input, call).domainId,
          input.JobId as string,
        ),
      }),
      DescribeSpeaker: (input, call) => ({
        Speaker: this.#speakerOutput(this.#domain(input, call), this.#speaker(input)),
      }),
      DescribeSpeakerEnrollmentJob: async (input, call) => ({
        Job: await this.#jobs.describe(
          "enrollment",
          this.#domain(input, call).domainId,
          input.JobId as string,
        ),
      }),
      DescribeWatchlist: (input, call) => {
        const domain = this.#domain(input, call);
        return {
          Watchlist: this.#watchlistOutput(domain, this.#watchlist(domain, input.WatchlistId as string)),
        };
      },
      DisassociateFraudster: (input, call) => this.#disassociateFraudster(input, call),
      EvaluateSession: (input, call) =>
        this.#sessions.evaluate(this.#domain(input, call), input.SessionNameOrId as string),
      ListDomains: (input, call) => this.#listDomains(input, call),
      ListFraudsterRegistrationJobs: (input, call) =>
        this.#jobs.list("registration", this.#domain(input, call).domainId, input),
      ListFraudsters: (input, call) => this.#listFraudsters(input, call),
      ListSpeakerEnrollmentJobs: (input, call) =>
        this.#jobs.list("enrollment", this.#domain(input, call).domainId, input),
      ListSpeakers: (input, call) => this.#listSpeakers(input, call),
      ListTagsForResource: (input, call) => ({
        Tags: this.#domainByArn(input.ResourceArn as string, call).tags,
      }),
      ListWatchlists: (input, call) => this.#listWatchlists(input, call),
      OptOutSpeaker: (input, call) => this.#optOutSpeaker(input, call),
      StartFraudsterRegistrationJob: (input, call) => this.#startJob("registration", input, call),
      StartSpeakerEnrollmentJob: (input, call) => this.#startJob("enrollment", input, call),
      TagResource: (input, call) => this.#tagResource(input, call),
      UntagResource: (input, call) => this.#untagResource(input, call),
      UpdateDomain: (input, call) => this.#updateDomain(input, call),
      UpdateWatchlist: (input, call) => this.#updateWatchlist(input, call),
    };
    this.#jobs.resume();
  }

  /**
   * Runs one operation: validates `body` against the model, then answers with the wire-shaped
   * output. Throws AwsServiceError for the service's errors.
   */
  async invoke(operation: OperationName, body: unknown, call: CallContext): Promise<Output> {
    const input = validateInput(OPERATION_INPUTS[operation], body);
    // `clock` job progression: bring the domain's jobs up to "now" before answering.
    if (typeof input.DomainId === "string") await this.#jobs.catchUp(input.DomainId);
    return await this.#handlers[operation](input, call);
  }

  // --- Helpers for tests, demos and the Connect emulation -----------------------------------------

  /**
   * Simulates a call streaming audio into Voice ID (what Connect's Set Voice ID block starts), so
   * EvaluateSession has a session to evaluate. See sessions.ts for how results are computed.
   */
  async simulateSession(domainId: string, options: SimulateSessionOptions): Promise<SimulatedSession> {
    return await this.#sessions.simulate(this.#existingDomain(domainId), options);
  }

  /** Ends a simulated session's audio stream (StreamingStatus ENDED). */
  endSession(domainId: string, sessionNameOrId: string): void {
    this.#sessions.end(this.#existingDomain(domainId), sessionNameOrId);
  }

  /** A domain by id or ARN, in any Region; undefined when it does not exist (Connect checks this). */
  findDomain(
    domainIdOrArn: string,
  ): { domainId: string; arn: string; region: string; name: string } | undefined {
    const id = domainIdOrArn.startsWith("arn:")
      ? domainIdOrArn.slice(domainIdOrArn.lastIndexOf("/") + 1)
      : domainIdOrArn;
    const domain = this.#state.domain(id);
    if (!domain || (domainIdOrArn.startsWith("arn:") && domain.arn !== domainIdOrArn)) return undefined;
    return { domainId: domain.domainId, arn: domain.arn, region: domain.region, name: domain.name };
  }

  /** Where a batch job's output file is, `{OutputDataConfig.S3Uri}/{JobId}/{manifest name}.out`. */
  jobOutputUri(domainId: string, jobId: string): string {
    const job = this.#state.job(domainId, jobId);
    if (!job) throw notFound("BATCH_JOB", `The job ${jobId} does not exist in domain ${domainId}.`);
    return this.#jobs.outputFileUri(job);
  }

  /** Loads speakers straight into a domain, bypassing enrollment (e.g. to reach the 100,000 quota). */
  seedSpeakers(domainId: string, speakers: readonly SeedSpeaker[]): string[] {
    this.#existingDomain(domainId);
    const table = this.#state.speakers(domainId);
    const now = this.#context.clock.now();
    const records: SpeakerRecord[] = speakers.map((seed) => {
      const status = seed.status ?? "ENROLLED";
      return {
        customerSpeakerId: seed.customerSpeakerId,
        generatedSpeakerId:
          table.byCustomerId(seed.customerSpeakerId)?.generatedSpeakerId ?? hashPrefixedId(),
        status,
        createdAt: now,
        updatedAt: now,
        ...(status === "OPTED_OUT" ? {} : { lastAccessedAt: seed.lastAccessedAt ?? now }),
        ...(seed.voiceprint && status !== "OPTED_OUT" ? { voiceprint: compactVector(seed.voiceprint) } : {}),
      };
    });
    table.saveMany(records);
    return records.map((record) => record.generatedSpeakerId);
  }

  /** Loads fraudsters straight into a domain (e.g. to fill a watchlist to its 500 limit). */
  seedFraudsters(domainId: string, fraudsters: readonly SeedFraudster[]): string[] {
    const domain = this.#existingDomain(domainId);
    const now = this.#context.clock.now();
    const records: FraudsterRecord[] = fraudsters.map((seed) => ({
      generatedFraudsterId: hashPrefixedId(),
      createdAt: now,
      watchlistIds: seed.watchlistIds ?? [domain.defaultWatchlistId],
      ...(seed.voiceprint ? { voiceprint: compactVector(seed.voiceprint) } : {}),
    }));
    this.#state.fraudsters(domainId).saveMany(records);
    return records.map((record) => record.generatedFraudsterId);
  }

  /** Resolves once no batch job is being worked on in the background. */
  async settle(): Promise<void> {
    await this.#jobs.settle();
  }

  /** Stops background job work (the sandbox is closing). */
  close(): void {
    this.#jobs.close();
  }

  // --- Lookups -----------------------------------------------------------------------------------

  #existingDomain(domainId: string): DomainRecord {
    const domain = this.#state.domain(domainId);
    if (!domain) throw notFound("DOMAIN", `The domain ${domainId} does not exist.`);
    return domain;
  }

  /** The request's domain; domains are regional, so another Region's domain is not found. */
  #domain(input: Input, call: CallContext): DomainRecord {
    const domainId = input.DomainId as string;
    const domain = this.#state.domain(domainId);
    if (!domain || domain.region !== call.region)
      throw notFound("DOMAIN", `The domain ${domainId} does not exist.`);
    return domain;
  }

  #domainByArn(arn: string, call: CallContext): DomainRecord {
    const domainId = arn.slice(arn.lastIndexOf("/") + 1);
    const domain = this.#state.domain(domainId);
    if (!domain || domain.arn !== arn || domain.region !== call.region)
      throw notFound("DOMAIN", `The resource ${arn} does not exist.`);
    return domain;
  }

  #watchlist(domain: DomainRecord, watchlistId: string): WatchlistRecord {
    const watchlist = domain.watchlists.find((entry) => entry.watchlistId === watchlistId);
    if (!watchlist)
      throw notFound(
        "WATCHLIST",
        `The watchlist ${watchlistId} does not exist in domain ${domain.domainId}.`,
      );
    return watchlist;
  }

  #fraudster(input: Input): FraudsterRecord {
    const fraudster = this.#state.fraudsters(input.DomainId as string).get(input.FraudsterId as string);
    if (!fraudster)
      throw notFound(
        "FRAUDSTER",
        `The fraudster ${input.FraudsterId as string} does not exist in domain ${input.DomainId as string}.`,
      );
    return fraudster;
  }

  #speaker(input: Input): SpeakerRecord {
    const speaker = this.#state.speakers(input.DomainId as string).find(input.SpeakerId as string);
    if (!speaker)
      throw notFound(
        "SPEAKER",
        `The speaker ${input.SpeakerId as string} does not exist in domain ${input.DomainId as string}.`,
      );
    return speaker;
  }

  // --- Output shapes -----------------------------------------------------------------------------

  #domainOutput(domain: DomainRecord): Output {
    const sse = domain.sseUpdate;
    return {
      DomainId: domain.domainId,
      Arn: domain.arn,
      Name: domain.name,
      ...(domain.description === undefined ? {} : { Description: domain.description }),
      // Sandbox domains are ACTIVE from creation to deletion (PENDING and SUSPENDED never occur).
      DomainStatus: "ACTIVE",
      ServerSideEncryptionConfiguration: { KmsKeyId: domain.kmsKeyId },
      CreatedAt: epochSeconds(domain.createdAt),
      UpdatedAt: epochSeconds(domain.updatedAt),
      ...(sse
        ? {
            ServerSideEncryptionUpdateDetails: {
              OldKmsKeyId: sse.oldKmsKeyId,
              UpdateStatus: sse.status,
              ...(sse.message === undefined ? {} : { Message: sse.message }),
            },
          }
        : {}),
      WatchlistDetails: { DefaultWatchlistId: domain.defaultWatchlistId },
    };
  }

  #watchlistOutput(domain: DomainRecord, watchlist: WatchlistRecord): Output {
    return {
      DomainId: domain.domainId,
      WatchlistId: watchlist.watchlistId,
      Name: watchlist.name,
      ...(watchlist.description === undefined ? {} : { Description: watchlist.description }),
      DefaultWatchlist: watchlist.isDefault,
      CreatedAt: epochSeconds(watchlist.createdAt),
      UpdatedAt: epochSeconds(watchlist.updatedAt),
    };
  }

  #fraudsterOutput(domain: DomainRecord, fraudster: FraudsterRecord): Output {
    return {
      DomainId: domain.domainId,
      GeneratedFraudsterId: fraudster.generatedFraudsterId,
      CreatedAt: epochSeconds(fraudster.createdAt),
      WatchlistIds: [...fraudster.watchlistIds],
    };
  }

  #speakerOutput(domain: DomainRecord, speaker: SpeakerRecord): Output {
    return {
      DomainId: domain.domainId,
      CustomerSpeakerId: speaker.customerSpeakerId,
      GeneratedSpeakerId: speaker.generatedSpeakerId,
      Status: effectiveSpeakerStatus(speaker, this.#context.clock.now()),
      CreatedAt: epochSeconds(speaker.createdAt),
      UpdatedAt: epochSeconds(speaker.updatedAt),
      ...(speaker.lastAccessedAt === undefined
        ? {}
        : { LastAccessedAt: epochSeconds(speaker.lastAccessedAt) }),
    };
  }

  // --- Domains -----------------------------------------------------------------------------------

  #createDomain(input: Input, call: CallContext): Output {
    if (!this.complianceConsent) {
      throw notFound(
        "COMPLIANCE_CONSENT",
        "The account has not accepted the Voice ID biometric consent (BIPA); accept it in the Amazon Connect console first.",
      );
    }
    const token = input.ClientToken as string | undefined;
    const print = fingerprint(input);
    const inRegion = this.#state.domains().filter((domain) => domain.region === call.region);
    if (token !== undefined) {
      const earlier = inRegion.find((domain) => domain.clientToken?.token === token);
      if (earlier) {
        if (earlier.clientToken?.fingerprint !== print) throw tokenReused(token);
        return { Domain: this.#domainOutput(earlier) };
      }
    }
    if (inRegion.length >= VOICE_ID_LIMITS.domainsPerAccount) {
      throw quotaExceeded(
        `The account already has ${VOICE_ID_LIMITS.domainsPerAccount} Voice ID domains in ${call.region}, the maximum.`,
      );
    }
    const now = this.#context.clock.now();
    const domainId = alphanumericId(22);
    const defaultWatchlist: WatchlistRecord = {
      watchlistId: alphanumericId(22),
      // Sandbox choice: the real default watchlist's name is not documented.
      name: "DefaultWatchlist",
      isDefault: true,
      createdAt: now,
      updatedAt: now,
    };
    const domain: DomainRecord = {
      domainId,
      region: call.region,
      arn: voiceIdArn(call.region, this.#context.accountId, domainId),
      name: input.Name as string,
      ...(input.Description === undefined ? {} : { description: input.Description as string }),
      kmsKeyId: (input.ServerSideEncryptionConfiguration as { KmsKeyId: string }).KmsKeyId,
      createdAt: now,
      updatedAt: now,
      defaultWatchlistId: defaultWatchlist.watchlistId,
      watchlists: [defaultWatchlist],
      tags: mergeTags([], (input.Tags as TagRecord[] | undefined) ?? []),
      ...(token === undefined ? {} : { clientToken: { token, fingerprint: print } }),
    };
    this.#state.saveDomain(domain);
    return { Domain: this.#domainOutput(domain) };
  }

  /**
   * Advances a domain's server-side-encryption update: "When the server-side encryption
   * configuration is changed, dependency on the old KMS key is removed through an asynchronous
   * process" (Domain.ServerSideEncryptionUpdateDetails). It completes under the job progression
   * policy: at the next read (`immediate`), after N DescribeDomain calls (`polls`), or one tick
   * after the update (`clock`).
   */
  #observeDomain(domain: DomainRecord, describe: boolean): DomainRecord {
    const sse = domain.sseUpdate;
    if (sse?.status !== "IN_PROGRESS") return domain;
    const mode = this.#context.jobs;
    let done: boolean;
    if (mode.mode === "immediate") done = true;
    else if (mode.mode === "polls") {
      if (describe) sse.describes++;
      done = sse.describes >= Math.max(1, mode.describesPerStep);
    } else done = this.#context.clock.now() - sse.startedAt >= 1000 / mode.requestsPerSecond;
    if (done) sse.status = "COMPLETED";
    this.#state.saveDomain(domain);
    return domain;
  }

  #listDomains(input: Input & PageRequest, call: CallContext): Output {
    const domains = this.#state
      .domains()
      .filter((domain) => domain.region === call.region)
      .map((domain) => ({ domain, key: timeKey(domain.createdAt, domain.domainId) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    // ListDomains pages are 1–10 (MaxResultsForListDomainFe); the default is the maximum.
    const page = paginate(
      domains.map((entry) => entry.domain),
      domains.map((entry) => entry.key),
      input,
      `ListDomains:${call.region}`,
      10,
      this.#context.clock.now(),
    );
    return {
      DomainSummaries: page.items.map((domain) => this.#domainOutput(this.#observeDomain(domain, false))),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** "This API has clobber behavior … If an optional field, such as 'Description' is not provided, it is removed." */
  #updateDomain(input: Input, call: CallContext): Output {
    const domain = this.#observeDomain(this.#domain(input, call), false);
    const kmsKeyId = (input.ServerSideEncryptionConfiguration as { KmsKeyId: string }).KmsKeyId;
    const now = this.#context.clock.now();
    if (kmsKeyId !== domain.kmsKeyId) {
      if (domain.sseUpdate?.status === "IN_PROGRESS") {
        throw conflict(
          "The domain's data is still being re-encrypted after the previous KMS key change; try again when ServerSideEncryptionUpdateDetails shows COMPLETED.",
          "DOMAIN_LOCKED_FROM_ENCRYPTION_UPDATES",
        );
      }
      domain.sseUpdate = {
        oldKmsKeyId: domain.kmsKeyId,
        status: "IN_PROGRESS",
        startedAt: now,
        describes: 0,
      };
      domain.kmsKeyId = kmsKeyId;
    }
    domain.name = input.Name as string;
    if (input.Description === undefined) delete domain.description;
    else domain.description = input.Description as string;
    domain.updatedAt = now;
    this.#state.saveDomain(domain);
    return { Domain: this.#domainOutput(domain) };
  }

  /**
   * Sandbox choice: AWS soft-deletes a domain for 30 days (restorable through Support,
   * aws-facts.md §4); the sandbox erases it at once. Either way it is gone for the API.
   */
  #deleteDomain(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    this.#state.deleteDomain(domain.domainId);
    return {};
  }

  // --- Watchlists --------------------------------------------------------------------------------

  #createWatchlist(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const token = input.ClientToken as string | undefined;
    const print = fingerprint(input);
    if (token !== undefined) {
      const earlier = domain.watchlists.find((watchlist) => watchlist.clientToken?.token === token);
      if (earlier) {
        if (earlier.clientToken?.fingerprint !== print) throw tokenReused(token);
        return { Watchlist: this.#watchlistOutput(domain, earlier) };
      }
    }
    if (domain.watchlists.length >= VOICE_ID_LIMITS.watchlistsPerDomain) {
      throw quotaExceeded(
        `The domain already has ${VOICE_ID_LIMITS.watchlistsPerDomain} watchlists (the default included), the maximum.`,
      );
    }
    const now = this.#context.clock.now();
    const watchlist: WatchlistRecord = {
      watchlistId: alphanumericId(22),
      name: input.Name as string,
      ...(input.Description === undefined ? {} : { description: input.Description as string }),
      isDefault: false,
      createdAt: now,
      updatedAt: now,
      ...(token === undefined ? {} : { clientToken: { token, fingerprint: print } }),
    };
    domain.watchlists.push(watchlist);
    this.#state.saveDomain(domain);
    return { Watchlist: this.#watchlistOutput(domain, watchlist) };
  }

  /**
   * "Every domain has a default watchlist which cannot be updated" (UpdateWatchlist). No ConflictType
   * names it, so it is a ValidationException. Unlike UpdateDomain this is not documented as clobber:
   * only the members given change.
   */
  #updateWatchlist(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const watchlist = this.#watchlist(domain, input.WatchlistId as string);
    if (watchlist.isDefault) throw invalid("The default watchlist of a domain cannot be updated.");
    if (input.Name !== undefined) watchlist.name = input.Name as string;
    if (input.Description !== undefined) watchlist.description = input.Description as string;
    watchlist.updatedAt = this.#context.clock.now();
    this.#state.saveDomain(domain);
    return { Watchlist: this.#watchlistOutput(domain, watchlist) };
  }

  /** "This API throws an exception when there are fraudsters in the watchlist"; the default one cannot be deleted. */
  #deleteWatchlist(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const watchlist = this.#watchlist(domain, input.WatchlistId as string);
    if (watchlist.isDefault) throw invalid("The default watchlist of a domain cannot be deleted.");
    if (this.#state.fraudsters(domain.domainId).inWatchlist(watchlist.watchlistId).length > 0) {
      throw conflict(
        `The watchlist ${watchlist.watchlistId} still has fraudsters; disassociate or delete them first.`,
        "CANNOT_DELETE_NON_EMPTY_WATCHLIST",
      );
    }
    domain.watchlists = domain.watchlists.filter((entry) => entry !== watchlist);
    this.#state.saveDomain(domain);
    return {};
  }

  #listWatchlists(input: Input & PageRequest, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const entries = domain.watchlists
      .map((watchlist) => ({ watchlist, key: timeKey(watchlist.createdAt, watchlist.watchlistId) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const page = paginate(
      entries.map((entry) => entry.watchlist),
      entries.map((entry) => entry.key),
      input,
      `ListWatchlists:${domain.domainId}`,
      100,
      this.#context.clock.now(),
    );
    return {
      WatchlistSummaries: page.items.map((watchlist) => this.#watchlistOutput(domain, watchlist)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  // --- Fraudsters --------------------------------------------------------------------------------

  /** Sandbox choice: associating a fraudster with a watchlist it is already in changes nothing. */
  #associateFraudster(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const watchlist = this.#watchlist(domain, input.WatchlistId as string);
    const fraudster = this.#fraudster(input);
    const fraudsters = this.#state.fraudsters(domain.domainId);
    if (!fraudster.watchlistIds.includes(watchlist.watchlistId)) {
      if (fraudsters.inWatchlist(watchlist.watchlistId).length >= VOICE_ID_LIMITS.fraudstersPerWatchlist) {
        throw quotaExceeded(
          `The watchlist ${watchlist.watchlistId} already has ${VOICE_ID_LIMITS.fraudstersPerWatchlist} fraudsters, the maximum.`,
        );
      }
      fraudster.watchlistIds.push(watchlist.watchlistId);
      fraudsters.save(fraudster);
    }
    return { Fraudster: this.#fraudsterOutput(domain, fraudster) };
  }

  /**
   * "Voice ID always expects a fraudster to be a part of at least one watchlist. If you try to
   * disassociate a fraudster from its only watchlist, a ValidationException is thrown." (The
   * ConflictType FRAUDSTER_MUST_BELONG_TO_AT_LEAST_ONE_WATCHLIST exists too; the operation's own
   * documentation wins.) Sandbox choice: a fraudster not in the watchlist is a ValidationException.
   */
  #disassociateFraudster(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const watchlist = this.#watchlist(domain, input.WatchlistId as string);
    const fraudster = this.#fraudster(input);
    if (!fraudster.watchlistIds.includes(watchlist.watchlistId)) {
      throw invalid(`The fraudster is not in watchlist ${watchlist.watchlistId}.`);
    }
    if (fraudster.watchlistIds.length === 1) {
      throw invalid(
        "A fraudster must belong to at least one watchlist; this is the fraudster's only watchlist.",
      );
    }
    fraudster.watchlistIds = fraudster.watchlistIds.filter((id) => id !== watchlist.watchlistId);
    this.#state.fraudsters(domain.domainId).save(fraudster);
    return { Fraudster: this.#fraudsterOutput(domain, fraudster) };
  }

  /** "This action disassociates the fraudster from any watchlists it is a part of." */
  #deleteFraudster(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    this.#state.fraudsters(domain.domainId).remove(this.#fraudster(input));
    return {};
  }

  /**
   * "If [WatchlistId is] provided, all fraudsters in the watchlist are listed. If not …, all
   * fraudsters in the domain." Sandbox choice: in GeneratedFraudsterId order.
   */
  #listFraudsters(input: Input & PageRequest, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const watchlistId = input.WatchlistId as string | undefined;
    if (watchlistId !== undefined) this.#watchlist(domain, watchlistId);
    const all = this.#state.fraudsters(domain.domainId).sorted();
    const records: FraudsterRecord[] = [];
    const keys: string[] = [];
    all.records.forEach((fraudster, index) => {
      if (watchlistId !== undefined && !fraudster.watchlistIds.includes(watchlistId)) return;
      records.push(fraudster);
      keys.push(all.keys[index] as string);
    });
    const page = paginate(
      records,
      keys,
      input,
      `ListFraudsters:${domain.domainId}:${watchlistId ?? ""}`,
      100,
      this.#context.clock.now(),
    );
    return {
      FraudsterSummaries: page.items.map((fraudster) => this.#fraudsterOutput(domain, fraudster)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  // --- Speakers ----------------------------------------------------------------------------------

  #deleteSpeaker(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    this.#state.speakers(domain.domainId).remove(this.#speaker(input));
    return {};
  }

  /**
   * "A speaker can be opted out regardless of whether or not they already exist in Voice ID. If they
   * don't yet exist, a new speaker is created in an opted out state … opted out speakers have no
   * voice embeddings stored". Sandbox choice: a GeneratedSpeakerId names a speaker Voice ID made, so
   * an unknown one is ResourceNotFound rather than a new speaker.
   */
  #optOutSpeaker(input: Input, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const speakerId = input.SpeakerId as string;
    const speakers = this.#state.speakers(domain.domainId);
    const now = this.#context.clock.now();
    let speaker = speakers.find(speakerId);
    if (!speaker) {
      if (speakerId.startsWith("id#"))
        throw notFound("SPEAKER", `The speaker ${speakerId} does not exist in domain ${domain.domainId}.`);
      if (speakers.size >= VOICE_ID_LIMITS.speakersPerDomain) {
        throw quotaExceeded(
          `The domain already has ${VOICE_ID_LIMITS.speakersPerDomain} speakers, the maximum.`,
        );
      }
      speaker = {
        customerSpeakerId: speakerId,
        generatedSpeakerId: hashPrefixedId(),
        status: "OPTED_OUT",
        createdAt: now,
        updatedAt: now,
      };
    } else {
      speaker.status = "OPTED_OUT";
      speaker.updatedAt = now;
      delete speaker.voiceprint;
    }
    speakers.save(speaker);
    return { Speaker: this.#speakerOutput(domain, speaker) };
  }

  /** Sandbox choice: the listing order is not documented; speakers come in GeneratedSpeakerId order. */
  #listSpeakers(input: Input & PageRequest, call: CallContext): Output {
    const domain = this.#domain(input, call);
    const { records, keys } = this.#state.speakers(domain.domainId).sorted();
    const page = paginate(
      records,
      keys,
      input,
      `ListSpeakers:${domain.domainId}`,
      100,
      this.#context.clock.now(),
    );
    return {
      SpeakerSummaries: page.items.map((speaker) => this.#speakerOutput(domain, speaker)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  // --- Tags --------------------------------------------------------------------------------------

  #tagResource(input: Input, call: CallContext): Output {
    const domain = this.#domainByArn(input.ResourceArn as string, call);
    domain.tags = mergeTags(domain.tags, input.Tags as TagRecord[]);
    this.#state.saveDomain(domain);
    return {};
  }

  #untagResource(input: Input, call: CallContext): Output {
    const domain = this.#domainByArn(input.ResourceArn as string, call);
    const keys = new Set(input.TagKeys as string[]);
    domain.tags = domain.tags.filter((tag) => !keys.has(tag.Key));
    this.#state.saveDomain(domain);
    return {};
  }

  // --- Jobs --------------------------------------------------------------------------------------

  #startJob(kind: JobKind, input: Input, call: CallContext): Output {
    return { Job: this.#jobs.start(kind, this.#domain(input, call), input) };
  }
}

/** Tags by key: a new value for an existing key replaces it. */
function mergeTags(existing: readonly TagRecord[], added: readonly TagRecord[]): TagRecord[] {
  const byKey = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) byKey.set(tag.Key, tag.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}
