/**
 * The Voice ID sandbox's state, held in memory and written through to the SandboxStore as JSON
 * documents on every change. The store is locked to one process, so the in-memory copy is
 * authoritative and each document is read at most once.
 *
 * Document keys:
 *   voiceid/domains/<domainId>                       domain, its watchlists and tags
 *   voiceid/speakers/<domainId>/<00…ff>              speakers, 256 shards by hash of GeneratedSpeakerId
 *   voiceid/fraudsters/<domainId>/<0…f>              fraudsters, 16 shards
 *   voiceid/jobs/<domainId>/<jobId>                  batch job status
 *   voiceid/job-data/<domainId>/<jobId>/manifest     the requests, as read when the job started
 *   voiceid/job-data/<domainId>/<jobId>/results/<n>  per-request results, 500 per chunk
 *   voiceid/sessions/<domainId>/<sessionId>          simulated sessions
 *
 * Sharding keeps a change to one speaker of a 100,000-speaker domain to a ~400-speaker document.
 * Speakers and fraudsters are loaded per domain on first use (every lookup needs both id indexes).
 * Callers change records and save them in one synchronous step: requests run concurrently and only
 * interleave at `await`s.
 */

import type { SandboxStore } from "../store.ts";
import type { DomainRecord, FraudsterRecord, JobRecord, SessionRecord, SpeakerRecord } from "./model.ts";
import { fnv1a, GENERATED_ID } from "./model.ts";

const SPEAKER_SHARDS = 256;
const FRAUDSTER_SHARDS = 16;
export const RESULTS_PER_CHUNK = 500;

function speakerShardKey(domainId: string, shard: number): string {
  return `voiceid/speakers/${domainId}/${shard.toString(16).padStart(2, "0")}`;
}

function fraudsterShardKey(domainId: string, shard: number): string {
  return `voiceid/fraudsters/${domainId}/${shard.toString(16)}`;
}

/**
 * A sharded table of records with two id indexes. `save` rewrites only the record's shard; the
 * sorted listing is cached until membership changes.
 */
class ShardedTable<T extends object> {
  readonly #store: SandboxStore;
  readonly #shardKey: (shard: number) => string;
  readonly #shardCount: number;
  readonly #idOf: (record: T) => string;
  readonly #field: string;
  readonly #byId = new Map<string, T>();
  readonly #shards: Map<string, T>[];
  #sorted: { records: T[]; keys: string[] } | undefined;
  readonly #sortKey: (record: T) => string;

  constructor(options: {
    store: SandboxStore;
    shardKey: (shard: number) => string;
    shardCount: number;
    idOf: (record: T) => string;
    sortKey: (record: T) => string;
    field: string;
  }) {
    this.#store = options.store;
    this.#shardKey = options.shardKey;
    this.#shardCount = options.shardCount;
    this.#idOf = options.idOf;
    this.#sortKey = options.sortKey;
    this.#field = options.field;
    this.#shards = Array.from({ length: options.shardCount }, () => new Map<string, T>());
    for (let shard = 0; shard < this.#shardCount; shard++) {
      const doc = this.#store.readJson<Record<string, T[]>>(this.#shardKey(shard));
      for (const record of doc?.[this.#field] ?? []) this.#insert(record);
    }
  }

  #shardOf(id: string): number {
    return fnv1a(id) % this.#shardCount;
  }

  #insert(record: T): void {
    const id = this.#idOf(record);
    this.#byId.set(id, record);
    (this.#shards[this.#shardOf(id)] as Map<string, T>).set(id, record);
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): T | undefined {
    return this.#byId.get(id);
  }

  values(): IterableIterator<T> {
    return this.#byId.values();
  }

  /** Adds or rewrites a record (after changing it in place) and persists its shard. */
  save(record: T): void {
    const id = this.#idOf(record);
    if (!this.#byId.has(id)) this.#sorted = undefined;
    this.#insert(record);
    this.#writeShard(this.#shardOf(id));
  }

  /** Adds many records, writing each touched shard once (seeding large domains). */
  saveMany(records: readonly T[]): void {
    const touched = new Set<number>();
    for (const record of records) {
      this.#insert(record);
      touched.add(this.#shardOf(this.#idOf(record)));
    }
    this.#sorted = undefined;
    for (const shard of touched) this.#writeShard(shard);
  }

  remove(record: T): void {
    const id = this.#idOf(record);
    if (!this.#byId.delete(id)) return;
    const shard = this.#shardOf(id);
    (this.#shards[shard] as Map<string, T>).delete(id);
    this.#sorted = undefined;
    this.#writeShard(shard);
  }

  /** All records ascending by sort key, with the keys (for key-based pagination). */
  sorted(): { records: T[]; keys: string[] } {
    if (!this.#sorted) {
      const entries = [...this.#byId.values()].map((record) => ({ record, key: this.#sortKey(record) }));
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.#sorted = { records: entries.map((e) => e.record), keys: entries.map((e) => e.key) };
    }
    return this.#sorted;
  }

  #writeShard(shard: number): void {
    const records = [...(this.#shards[shard] as Map<string, T>).values()];
    const key = this.#shardKey(shard);
    if (records.length === 0) this.#store.deleteJson(key);
    else this.#store.writeJson(key, { [this.#field]: records });
  }

  deleteAll(): void {
    for (let shard = 0; shard < this.#shardCount; shard++) this.#store.deleteJson(this.#shardKey(shard));
    this.#byId.clear();
    for (const shard of this.#shards) shard.clear();
    this.#sorted = undefined;
  }
}

/** Speakers of one domain, found by CustomerSpeakerId or GeneratedSpeakerId. */
export class SpeakerTable {
  readonly #table: ShardedTable<SpeakerRecord>;
  readonly #byCustomer = new Map<string, SpeakerRecord>();

  constructor(store: SandboxStore, domainId: string) {
    this.#table = new ShardedTable<SpeakerRecord>({
      store,
      shardKey: (shard) => speakerShardKey(domainId, shard),
      shardCount: SPEAKER_SHARDS,
      idOf: (speaker) => speaker.generatedSpeakerId,
      sortKey: (speaker) => speaker.generatedSpeakerId,
      field: "speakers",
    });
    for (const speaker of this.#table.values()) this.#byCustomer.set(speaker.customerSpeakerId, speaker);
  }

  get size(): number {
    return this.#table.size;
  }

  /** "All speaker APIs, except ListSpeakers, accept either the CustomerSpeakerId or GeneratedSpeakerId". */
  find(speakerId: string): SpeakerRecord | undefined {
    return GENERATED_ID.test(speakerId) ? this.#table.get(speakerId) : this.#byCustomer.get(speakerId);
  }

  byCustomerId(customerSpeakerId: string): SpeakerRecord | undefined {
    return this.#byCustomer.get(customerSpeakerId);
  }

  save(speaker: SpeakerRecord): void {
    this.#byCustomer.set(speaker.customerSpeakerId, speaker);
    this.#table.save(speaker);
  }

  saveMany(speakers: readonly SpeakerRecord[]): void {
    for (const speaker of speakers) this.#byCustomer.set(speaker.customerSpeakerId, speaker);
    this.#table.saveMany(speakers);
  }

  remove(speaker: SpeakerRecord): void {
    this.#byCustomer.delete(speaker.customerSpeakerId);
    this.#table.remove(speaker);
  }

  sorted(): { records: SpeakerRecord[]; keys: string[] } {
    return this.#table.sorted();
  }

  deleteAll(): void {
    this.#byCustomer.clear();
    this.#table.deleteAll();
  }
}

export class FraudsterTable {
  readonly #table: ShardedTable<FraudsterRecord>;

  constructor(store: SandboxStore, domainId: string) {
    this.#table = new ShardedTable<FraudsterRecord>({
      store,
      shardKey: (shard) => fraudsterShardKey(domainId, shard),
      shardCount: FRAUDSTER_SHARDS,
      idOf: (fraudster) => fraudster.generatedFraudsterId,
      sortKey: (fraudster) => fraudster.generatedFraudsterId,
      field: "fraudsters",
    });
  }

  get size(): number {
    return this.#table.size;
  }

  get(id: string): FraudsterRecord | undefined {
    return this.#table.get(id);
  }

  values(): IterableIterator<FraudsterRecord> {
    return this.#table.values();
  }

  inWatchlist(watchlistId: string): FraudsterRecord[] {
    return [...this.#table.values()].filter((fraudster) => fraudster.watchlistIds.includes(watchlistId));
  }

  save(fraudster: FraudsterRecord): void {
    this.#table.save(fraudster);
  }

  saveMany(fraudsters: readonly FraudsterRecord[]): void {
    this.#table.saveMany(fraudsters);
  }

  remove(fraudster: FraudsterRecord): void {
    this.#table.remove(fraudster);
  }

  sorted(): { records: FraudsterRecord[]; keys: string[] } {
    return this.#table.sorted();
  }

  deleteAll(): void {
    this.#table.deleteAll();
  }
}

export type ResultEntry =
  | { error: { RequestId?: string; ErrorCode: number; ErrorMessage: string } }
  | { success: Record<string, unknown> };

export class VoiceIdState {
  readonly #store: SandboxStore;
  readonly #domains = new Map<string, DomainRecord>();
  readonly #speakers = new Map<string, SpeakerTable>();
  readonly #fraudsters = new Map<string, FraudsterTable>();
  readonly #jobs = new Map<string, Map<string, JobRecord>>();
  readonly #sessions = new Map<string, Map<string, SessionRecord>>();

  constructor(store: SandboxStore) {
    this.#store = store;
    for (const key of store.listJson("voiceid/")) {
      const parts = key.split("/");
      if (parts[1] === "domains" && parts.length === 3) {
        const domain = store.readJson<DomainRecord>(key);
        if (domain) this.#domains.set(domain.domainId, domain);
      } else if (parts[1] === "jobs" && parts.length === 4) {
        const job = store.readJson<JobRecord>(key);
        if (job) this.#jobMap(job.domainId).set(job.jobId, job);
      } else if (parts[1] === "sessions" && parts.length === 4) {
        const session = store.readJson<SessionRecord>(key);
        if (session) this.#sessionMap(session.domainId).set(session.sessionId, session);
      }
    }
  }

  // --- Domains -----------------------------------------------------------------------------------

  domain(domainId: string): DomainRecord | undefined {
    return this.#domains.get(domainId);
  }

  domains(): DomainRecord[] {
    return [...this.#domains.values()];
  }

  saveDomain(domain: DomainRecord): void {
    this.#domains.set(domain.domainId, domain);
    this.#store.writeJson(`voiceid/domains/${domain.domainId}`, domain);
  }

  /** Removes a domain and everything in it. */
  deleteDomain(domainId: string): void {
    this.#domains.delete(domainId);
    this.#store.deleteJson(`voiceid/domains/${domainId}`);
    this.speakers(domainId).deleteAll();
    this.fraudsters(domainId).deleteAll();
    this.#speakers.delete(domainId);
    this.#fraudsters.delete(domainId);
    for (const job of this.jobs(domainId)) this.#deleteJobData(job);
    this.#jobs.delete(domainId);
    for (const session of this.sessions(domainId))
      this.#store.deleteJson(`voiceid/sessions/${domainId}/${session.sessionId}`);
    this.#sessions.delete(domainId);
  }

  // --- Speakers and fraudsters -------------------------------------------------------------------

  speakers(domainId: string): SpeakerTable {
    let table = this.#speakers.get(domainId);
    if (!table) {
      table = new SpeakerTable(this.#store, domainId);
      this.#speakers.set(domainId, table);
    }
    return table;
  }

  fraudsters(domainId: string): FraudsterTable {
    let table = this.#fraudsters.get(domainId);
    if (!table) {
      table = new FraudsterTable(this.#store, domainId);
      this.#fraudsters.set(domainId, table);
    }
    return table;
  }

  // --- Jobs --------------------------------------------------------------------------------------

  #jobMap(domainId: string): Map<string, JobRecord> {
    let map = this.#jobs.get(domainId);
    if (!map) {
      map = new Map();
      this.#jobs.set(domainId, map);
    }
    return map;
  }

  job(domainId: string, jobId: string): JobRecord | undefined {
    return this.#jobs.get(domainId)?.get(jobId);
  }

  jobs(domainId: string): JobRecord[] {
    return [...(this.#jobs.get(domainId)?.values() ?? [])];
  }

  allJobs(): JobRecord[] {
    return [...this.#jobs.values()].flatMap((map) => [...map.values()]);
  }

  saveJob(job: JobRecord): void {
    this.#jobMap(job.domainId).set(job.jobId, job);
    this.#store.writeJson(`voiceid/jobs/${job.domainId}/${job.jobId}`, job);
  }

  saveManifest(job: JobRecord, requests: unknown[]): void {
    this.#store.writeJson(`voiceid/job-data/${job.domainId}/${job.jobId}/manifest`, { requests });
  }

  manifest(job: JobRecord): unknown[] {
    return (
      this.#store.readJson<{ requests: unknown[] }>(`voiceid/job-data/${job.domainId}/${job.jobId}/manifest`)
        ?.requests ?? []
    );
  }

  /** The result chunk holding request `index` (results are appended in request order). */
  resultChunk(job: JobRecord, chunk: number): ResultEntry[] {
    return this.#store.readJson<{ entries: ResultEntry[] }>(this.#chunkKey(job, chunk))?.entries ?? [];
  }

  saveResultChunk(job: JobRecord, chunk: number, entries: ResultEntry[]): void {
    this.#store.writeJson(this.#chunkKey(job, chunk), { entries });
  }

  #chunkKey(job: JobRecord, chunk: number): string {
    return `voiceid/job-data/${job.domainId}/${job.jobId}/results/${chunk}`;
  }

  /** Manifest and result chunks are only needed while a job runs. */
  dropJobData(job: JobRecord): void {
    this.#store.deleteJson(`voiceid/job-data/${job.domainId}/${job.jobId}/manifest`);
    const chunks = Math.ceil((job.total ?? 0) / RESULTS_PER_CHUNK);
    for (let chunk = 0; chunk < chunks; chunk++) this.#store.deleteJson(this.#chunkKey(job, chunk));
  }

  #deleteJobData(job: JobRecord): void {
    this.dropJobData(job);
    this.#store.deleteJson(`voiceid/jobs/${job.domainId}/${job.jobId}`);
  }

  // --- Sessions ----------------------------------------------------------------------------------

  #sessionMap(domainId: string): Map<string, SessionRecord> {
    let map = this.#sessions.get(domainId);
    if (!map) {
      map = new Map();
      this.#sessions.set(domainId, map);
    }
    return map;
  }

  sessions(domainId: string): SessionRecord[] {
    return [...(this.#sessions.get(domainId)?.values() ?? [])];
  }

  session(domainId: string, sessionId: string): SessionRecord | undefined {
    return this.#sessions.get(domainId)?.get(sessionId);
  }

  sessionByName(domainId: string, sessionName: string): SessionRecord | undefined {
    for (const session of this.#sessions.get(domainId)?.values() ?? [])
      if (session.sessionName === sessionName) return session;
    return undefined;
  }

  saveSession(session: SessionRecord): void {
    this.#sessionMap(session.domainId).set(session.sessionId, session);
    this.#store.writeJson(`voiceid/sessions/${session.domainId}/${session.sessionId}`, session);
  }
}
