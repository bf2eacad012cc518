import { createHash } from "node:crypto";
import {
  ConnectClient,
  CreateContactFlowCommand,
  DescribeContactFlowCommand,
  DescribeInstanceCommand,
  ListQueuesCommand,
  paginateListContactFlows,
  UpdateContactFlowContentCommand,
} from "@aws-sdk/client-connect";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateDomainCommand,
  DeleteSpeakerCommand,
  DescribeDomainCommand,
  DescribeSpeakerCommand,
  DescribeSpeakerEnrollmentJobCommand,
  ListDomainsCommand,
  OptOutSpeakerCommand,
  paginateListSpeakerEnrollmentJobs,
  paginateListSpeakers,
  StartSpeakerEnrollmentJobCommand,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import { seededRandom } from "@cvk/core";
import {
  createSandbox,
  type RunningServer,
  SANDBOX_INSTANCE_ID,
  type Sandbox,
  serveSandbox,
} from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 9's load check: 50 concurrent clients — the real AWS SDK clients, each with its own sockets —
// hammer a sandbox server on a loopback port with a mix of Voice ID, S3 and Connect calls for a
// bounded time while seeded faults (throttling, server errors, connection resets, latency, one job
// ending FAILED) are injected. Every error a client sees must be one the sandbox injected (matched
// by error name, never by HTTP status); afterwards the state seen through the APIs must be exactly
// what the successful calls imply. Clients make one attempt per call (maxAttempts 1), so each
// injected fault surfaces once and the two tallies can be compared exactly. The server runs in this
// process (`serveSandbox`) so its request log can be read; the clients still go over TCP.
const CLIENTS = 50;
const LOAD_MS = Number(process.env.CVK_LOAD_SECONDS ?? 20) * 1000;
const JOB_WORKERS = 5;
const S3_WORKERS = 20;
const VOICE_ID_WORKERS = 15;
const FAULTS = {
  seed: 909,
  global: { throttle: 0.04, serverError: 0.03, connectionReset: 0.01, latencyMs: 150, latencyRate: 0.02 },
  // The first job started under load ends FAILED (with FailureDetails).
  failJobs: ["next"],
};
const ROLE = "arn:aws:iam::123456789012:role/VoiceIdBatchAccess";
const KMS = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555";
const VOICES = 4;
const FLOWS_PER_WORKER = 5;
const JOB_REGIONS = ["us-east-1", "eu-west-2"];
/** Flow content with one action; `n` makes each version distinct. */
const flowContent = (n: string) =>
  JSON.stringify({
    Version: "2019-10-30",
    StartAction: `end-${n}`,
    Actions: [{ Identifier: `end-${n}`, Type: "DisconnectParticipant", Parameters: {}, Transitions: {} }],
  });
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

/** An error the sandbox injects: a throttle or server error by name, or a dropped connection. */
const INJECTED_NAMES = new Set([
  "ThrottlingException", // Voice ID, Connect
  "SlowDown", // S3 throttling
  "InternalServerException", // Voice ID
  "InternalServiceException", // Connect
  "InternalError", // S3 (500 or 503)
]);
const RESET = "connection reset";

function errorKind(error: unknown): string {
  const e = error as { name?: string; code?: string };
  // A dropped connection is no AWS error: Node names it by its code (the SDK wraps it as a
  // TimeoutError, "socket hang up", whose code stays ECONNRESET).
  if (e.code === "ECONNRESET" || e.code === "EPIPE") return RESET;
  return e.name ?? "Error";
}

interface JobRecord {
  domainId: string;
  jobId: string;
  speakers: string[];
  status?: string;
}

describe(`sandbox server under ${CLIENTS} concurrent SDK clients with injected faults`, () => {
  let sandbox: Sandbox;
  let server: RunningServer;
  /** One per job worker; Voice ID allows 3 domains per Region, so they spread over two more. */
  const domains: { id: string; region: string }[] = [];
  let speakerDomain = "";

  const config = (maxAttempts = 1, region = "us-west-2") => ({
    region,
    endpoint: server.url,
    credentials: { accessKeyId: "AKIDLOAD", secretAccessKey: "load-secret" },
    maxAttempts,
  });
  const s3Client = () => new S3Client({ ...config(), forcePathStyle: true });

  beforeAll(async () => {
    sandbox = createSandbox({ jobs: { mode: "polls", describesPerStep: 2 }, minNetSpeechSeconds: 1 });
    server = await serveSandbox(sandbox, { port: 0 });
    const s3 = s3Client();
    for (const bucket of ["load-objects", "load-in", "load-out"])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (let v = 0; v < VOICES; v++) {
      const wav = encodeWav({
        channels: [synthesizeSpeech({ voice: `load-${v}`, seconds: 8, sampleRate: 8000, seed: v + 1 })],
        sampleRate: 8000,
      });
      await s3.send(new PutObjectCommand({ Bucket: "load-in", Key: `audio/v${v}.wav`, Body: wav }));
    }
    const create = async (name: string, region: string) => {
      const voiceId = new VoiceIDClient(config(1, region));
      try {
        const { Domain } = await voiceId.send(
          new CreateDomainCommand({ Name: name, ServerSideEncryptionConfiguration: { KmsKeyId: KMS } }),
        );
        return Domain?.DomainId as string;
      } finally {
        voiceId.destroy();
      }
    };
    speakerDomain = await create("load-speakers", "us-west-2");
    for (let d = 0; d < JOB_WORKERS; d++) {
      const region = JOB_REGIONS[d % JOB_REGIONS.length] as string;
      domains.push({ id: await create(`load-jobs-${d}`, region), region });
    }
    s3.destroy();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    sandbox?.close();
  });

  it("sees no errors beyond the injected ones, and the state afterwards is exactly what succeeded", async () => {
    // --- The model: what the successful calls imply -----------------------------------------------
    const objects = new Map<string, { md5: string; size: number; sha: string }>();
    const sharedWrites = new Set<string>();
    const optedOut = new Set<string>();
    const flows = new Map<string, { id: string; content: string }>();
    const jobs: JobRecord[] = [];
    const observed = new Map<string, number>();
    const unexpected: string[] = [];
    const violations: string[] = [];
    let calls = 0;
    let secondStartsRefused = 0;

    /** One call: its result, or undefined after an injected fault (tallied); anything else is unexpected. */
    async function call<T>(
      what: string,
      send: () => Promise<T>,
      allowed: string[] = [],
    ): Promise<T | undefined> {
      calls++;
      try {
        return await send();
      } catch (error) {
        const kind = errorKind(error);
        if (INJECTED_NAMES.has(kind) || kind === RESET) {
          observed.set(kind, (observed.get(kind) ?? 0) + 1);
          return undefined;
        }
        if (allowed.includes(kind)) throw error;
        unexpected.push(`${what}: ${kind}: ${(error as Error).message}`.slice(0, 300));
        return undefined;
      }
    }

    sandbox.faults.configure(structuredClone(FAULTS));
    sandbox.log.clear();
    const deadline = Date.now() + LOAD_MS;
    const running = () => Date.now() < deadline;

    const jobWorker = async (w: number) => {
      const domain = domains[w] as { id: string; region: string };
      const voiceId = new VoiceIDClient(config(1, domain.region));
      const s3 = s3Client();
      const domainId = domain.id;
      try {
        for (let k = 0; running(); k++) {
          const speakers = [0, 1].map((m) => `w${w}-j${k}-s${m}`);
          const manifestKey = `manifests/w${w}-${k}.json`;
          const manifest = JSON.stringify({
            Version: "1.0",
            SpeakerEnrollmentRequests: speakers.map((id, m) => ({
              RequestId: `r-${id}`,
              SpeakerId: id,
              AudioSpecifications: [
                { S3Uri: `s3://load-in/audio/v${(w + k + m) % VOICES}.wav`, ChannelId: 0 },
              ],
            })),
          });
          // Put the manifest and start the job, retrying faulted calls (a fault never half-happens).
          while (
            !(await call("PutObject manifest", () =>
              s3.send(new PutObjectCommand({ Bucket: "load-in", Key: manifestKey, Body: manifest })),
            ))
          );
          const start = (token: string, key: string) =>
            voiceId.send(
              new StartSpeakerEnrollmentJobCommand({
                DomainId: domainId,
                JobName: `load-${w}-${k}`,
                ClientToken: token,
                DataAccessRoleArn: ROLE,
                InputDataConfig: { S3Uri: `s3://load-in/${key}` },
                OutputDataConfig: { S3Uri: `s3://load-out/w${w}/` },
              }),
            );
          let jobId: string | undefined;
          while (jobId === undefined)
            jobId = (await call("StartSpeakerEnrollmentJob", () => start(`token-${w}-${k}`, manifestKey)))
              ?.Job?.JobId;
          const job: JobRecord = { domainId, jobId, speakers };
          jobs.push(job);
          // While it is active, a second job in the same domain must be refused (one at a time).
          try {
            const second = await call(
              "StartSpeakerEnrollmentJob (second)",
              () => start(`second-${w}-${k}`, manifestKey),
              ["ServiceQuotaExceededException"],
            );
            if (second) violations.push(`a second active job started in ${domainId}: ${second.Job?.JobId}`);
          } catch {
            secondStartsRefused++;
          }
          // Poll to the end, even past the deadline: no job is left running.
          while (job.status === undefined || job.status === "SUBMITTED" || job.status === "IN_PROGRESS") {
            const described = await call("DescribeSpeakerEnrollmentJob", () =>
              voiceId.send(new DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: jobId })),
            );
            if (described) job.status = described.Job?.JobStatus;
          }
        }
      } finally {
        voiceId.destroy();
        s3.destroy();
      }
    };

    const s3Worker = async (w: number) => {
      const s3 = s3Client();
      const random = seededRandom(1000 + w);
      const own = (i: number) => `w${w}/k${i}`;
      try {
        for (let op = 0; running(); op++) {
          const roll = random();
          const key = own(Math.floor(random() * 6));
          if (roll < 0.35) {
            const size = random() < 0.1 ? 0 : Math.floor(random() * 48 * 1024);
            const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + op + w) & 0xff);
            const done = await call("PutObject", () =>
              s3.send(new PutObjectCommand({ Bucket: "load-objects", Key: key, Body: body })),
            );
            if (done) {
              objects.set(key, {
                md5: md5(body),
                size,
                sha: createHash("sha256").update(body).digest("hex"),
              });
              if (done.ETag?.replaceAll('"', "") !== md5(body))
                violations.push(`PutObject ${key}: ETag ${done.ETag}`);
            }
          } else if (roll < 0.6) {
            const expected = objects.get(key);
            if (!expected) continue;
            const got = await call("GetObject", async () => {
              const response = await s3.send(new GetObjectCommand({ Bucket: "load-objects", Key: key }));
              return {
                etag: response.ETag,
                body: (await response.Body?.transformToByteArray()) ?? new Uint8Array(0),
              };
            });
            if (got && (got.body.length !== expected.size || md5(got.body) !== expected.md5))
              violations.push(`GetObject ${key}: ${got.body.length} bytes, expected ${expected.size}`);
          } else if (roll < 0.7) {
            if (
              await call("DeleteObject", () =>
                s3.send(new DeleteObjectCommand({ Bucket: "load-objects", Key: key })),
              )
            )
              objects.delete(key);
          } else if (roll < 0.8) {
            const listed = await call("ListObjectsV2", () =>
              s3.send(new ListObjectsV2Command({ Bucket: "load-objects", Prefix: `w${w}/` })),
            );
            if (listed) {
              const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
              const model = [...objects.keys()].filter((k) => k.startsWith(`w${w}/`)).sort();
              if (JSON.stringify(keys) !== JSON.stringify(model))
                violations.push(`ListObjectsV2 w${w}/: ${keys.join(",")} != ${model.join(",")}`);
            }
          } else if (roll < 0.9) {
            const source = objects.get(key);
            if (!source) continue;
            const target = `w${w}/copy`;
            if (
              await call("CopyObject", () =>
                s3.send(
                  new CopyObjectCommand({
                    Bucket: "load-objects",
                    Key: target,
                    CopySource: `load-objects/${key}`,
                  }),
                ),
              )
            )
              objects.set(target, { ...source });
          } else {
            // Everyone overwrites one key: the final value must be one write, whole.
            const body = `shared by w${w} op ${op}`;
            if (
              await call("PutObject shared", () =>
                s3.send(new PutObjectCommand({ Bucket: "load-objects", Key: "shared", Body: body })),
              )
            )
              sharedWrites.add(body);
          }
        }
      } finally {
        s3.destroy();
      }
    };

    const voiceIdWorker = async (w: number) => {
      const voiceId = new VoiceIDClient(config());
      const random = seededRandom(2000 + w);
      try {
        while (running()) {
          const roll = random();
          const speaker = `opt-w${w}-${Math.floor(random() * 8)}`;
          if (roll < 0.35) {
            if (
              await call("OptOutSpeaker", () =>
                voiceId.send(new OptOutSpeakerCommand({ DomainId: speakerDomain, SpeakerId: speaker })),
              )
            )
              optedOut.add(speaker);
          } else if (roll < 0.6) {
            if (!optedOut.has(speaker)) continue;
            const described = await call("DescribeSpeaker", () =>
              voiceId.send(new DescribeSpeakerCommand({ DomainId: speakerDomain, SpeakerId: speaker })),
            );
            if (described && described.Speaker?.Status !== "OPTED_OUT")
              violations.push(`DescribeSpeaker ${speaker}: ${described.Speaker?.Status}`);
          } else if (roll < 0.75) {
            if (!optedOut.has(speaker)) continue;
            if (
              await call("DeleteSpeaker", () =>
                voiceId.send(new DeleteSpeakerCommand({ DomainId: speakerDomain, SpeakerId: speaker })),
              )
            )
              optedOut.delete(speaker);
          } else if (roll < 0.88) {
            await call("ListDomains", () => voiceId.send(new ListDomainsCommand({ MaxResults: 10 })));
          } else {
            const described = await call("DescribeDomain", () =>
              voiceId.send(new DescribeDomainCommand({ DomainId: speakerDomain })),
            );
            if (described && described.Domain?.Name !== "load-speakers")
              violations.push("DescribeDomain: wrong domain");
          }
        }
      } finally {
        voiceId.destroy();
      }
    };

    const connectWorker = async (w: number) => {
      const connect = new ConnectClient(config());
      const random = seededRandom(3000 + w);
      try {
        for (let op = 0; running(); op++) {
          const roll = random();
          const mine = [...flows].filter(([name]) => name.startsWith(`load-w${w}-`));
          // A few flows each: the instance holds at most 100 (Connect's quota, which the sandbox keeps).
          if (mine.length === 0 || (roll < 0.25 && mine.length < FLOWS_PER_WORKER)) {
            const name = `load-w${w}-${op}`;
            const content = flowContent(`${w}-${op}`);
            const created = await call("CreateContactFlow", () =>
              connect.send(
                new CreateContactFlowCommand({
                  InstanceId: SANDBOX_INSTANCE_ID,
                  Name: name,
                  Type: "CONTACT_FLOW",
                  Content: content,
                }),
              ),
            );
            if (created) flows.set(name, { id: created.ContactFlowId as string, content });
          } else if (roll < 0.5) {
            const [name, flow] = mine[Math.floor(random() * mine.length)] as [
              string,
              { id: string; content: string },
            ];
            const content = flowContent(`${w}-${op}-updated`);
            if (
              await call("UpdateContactFlowContent", () =>
                connect.send(
                  new UpdateContactFlowContentCommand({
                    InstanceId: SANDBOX_INSTANCE_ID,
                    ContactFlowId: flow.id,
                    Content: content,
                  }),
                ),
              )
            )
              flows.set(name, { id: flow.id, content });
          } else if (roll < 0.75) {
            const [name, flow] = mine[Math.floor(random() * mine.length)] as [
              string,
              { id: string; content: string },
            ];
            const described = await call("DescribeContactFlow", () =>
              connect.send(
                new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: flow.id }),
              ),
            );
            if (
              described &&
              JSON.stringify(JSON.parse(described.ContactFlow?.Content ?? "null")) !== flow.content
            )
              violations.push(`DescribeContactFlow ${name}: content is not the last update`);
          } else if (roll < 0.88) {
            await call("ListQueues", () =>
              connect.send(new ListQueuesCommand({ InstanceId: SANDBOX_INSTANCE_ID })),
            );
          } else {
            await call("DescribeInstance", () =>
              connect.send(new DescribeInstanceCommand({ InstanceId: SANDBOX_INSTANCE_ID })),
            );
          }
        }
      } finally {
        connect.destroy();
      }
    };

    await Promise.all(
      Array.from({ length: CLIENTS }, (_, w) =>
        w < JOB_WORKERS
          ? jobWorker(w)
          : w < JOB_WORKERS + S3_WORKERS
            ? s3Worker(w)
            : w < JOB_WORKERS + S3_WORKERS + VOICE_ID_WORKERS
              ? voiceIdWorker(w)
              : connectWorker(w),
      ),
    );

    // --- What the sandbox injected vs. what the clients saw ----------------------------------------
    sandbox.faults.clear();
    const entries = sandbox.log.entries();
    const injected = new Map<string, number>();
    let latencies = 0;
    for (const entry of entries) {
      if (entry.fault === "connectionReset") injected.set(RESET, (injected.get(RESET) ?? 0) + 1);
      else if (entry.fault === "throttle" || entry.fault === "serverError")
        injected.set(entry.error ?? "?", (injected.get(entry.error ?? "?") ?? 0) + 1);
    }
    latencies = sandbox.faults.injected.latency;
    // Failures the sandbox answered without a fault: only the refused second jobs.
    const refusedByRule = entries.filter((e) => e.status >= 400 && e.fault === undefined);
    const sorted = (map: Map<string, number>) => Object.fromEntries([...map].sort());
    console.log(
      `load: ${CLIENTS} clients, ${calls} calls (${entries.length} requests logged), ${LOAD_MS / 1000} s; injected ${JSON.stringify(sorted(injected))} and ${latencies} latency spikes; clients saw ${JSON.stringify(sorted(observed))}; ${jobs.length} jobs, ${secondStartsRefused} second jobs refused; ${unexpected.length} unexpected errors, ${violations.length} violations`,
    );
    expect(unexpected).toEqual([]);
    expect(violations).toEqual([]);
    expect(sorted(observed)).toEqual(sorted(injected));
    for (const kind of ["ThrottlingException", "SlowDown", "InternalServerException", "InternalError", RESET])
      expect(injected.get(kind) ?? 0, kind).toBeGreaterThan(0);
    expect(refusedByRule.map((e) => e.error)).toEqual(
      refusedByRule.map(() => "ServiceQuotaExceededException"),
    );
    expect(refusedByRule).toHaveLength(secondStartsRefused);
    expect(secondStartsRefused).toBeGreaterThan(0);

    // --- Invariants, read back through the APIs without faults --------------------------------------
    const s3 = new S3Client({ ...config(3), forcePathStyle: true });
    const voiceId = new VoiceIDClient(config(3));
    const connect = new ConnectClient(config(3));
    try {
      // Every object listed reads back whole, with the size and ETag the listing gives; the set is the model's.
      const listed: { key: string; size: number; etag: string }[] = [];
      for await (const page of paginateListObjectsV2(
        { client: s3, pageSize: 97 },
        { Bucket: "load-objects" },
      ))
        for (const o of page.Contents ?? [])
          listed.push({ key: o.Key ?? "", size: o.Size ?? -1, etag: (o.ETag ?? "").replaceAll('"', "") });
      const expectedKeys = [...objects.keys(), ...(sharedWrites.size > 0 ? ["shared"] : [])].sort();
      expect(listed.map((o) => o.key).sort()).toEqual(expectedKeys);
      for (const object of listed) {
        const response = await s3.send(new GetObjectCommand({ Bucket: "load-objects", Key: object.key }));
        const body = (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
        expect([body.length, md5(body)], object.key).toEqual([object.size, object.etag]);
        const model = objects.get(object.key);
        if (model) expect(createHash("sha256").update(body).digest("hex"), object.key).toBe(model.sha);
        else expect(sharedWrites).toContain(Buffer.from(body).toString("utf8"));
      }

      // Opted-out speakers: exactly the model's, all OPTED_OUT.
      const speakers: { id: string; status: string }[] = [];
      for await (const page of paginateListSpeakers(
        { client: voiceId, pageSize: 100 },
        { DomainId: speakerDomain },
      ))
        for (const s of page.SpeakerSummaries ?? [])
          speakers.push({ id: s.CustomerSpeakerId ?? "", status: s.Status ?? "" });
      expect(speakers.map((s) => s.id).sort()).toEqual([...optedOut].sort());
      expect(new Set(speakers.map((s) => s.status))).toEqual(
        new Set(speakers.length > 0 ? ["OPTED_OUT"] : []),
      );

      // Jobs: one per successful start (none duplicated), none stuck, exactly one FAILED (injected),
      // never two active at once in a domain; the completed ones enrolled exactly their speakers.
      let failed = 0;
      for (const { id: domainId, region } of domains) {
        const regional = new VoiceIDClient(config(3, region));
        const summaries: { id: string; status: string; created: number; ended: number }[] = [];
        for await (const page of paginateListSpeakerEnrollmentJobs(
          { client: regional },
          { DomainId: domainId },
        ))
          for (const j of page.JobSummaries ?? [])
            summaries.push({
              id: j.JobId ?? "",
              status: j.JobStatus ?? "",
              created: j.CreatedAt?.getTime() ?? Number.NaN,
              ended: j.EndedAt?.getTime() ?? Number.NaN,
            });
        const mine = jobs.filter((j) => j.domainId === domainId);
        expect(summaries.map((s) => s.id).sort()).toEqual(mine.map((j) => j.jobId).sort());
        for (const summary of summaries)
          expect(["COMPLETED", "FAILED"], summary.id).toContain(summary.status);
        failed += summaries.filter((s) => s.status === "FAILED").length;
        summaries.sort((a, b) => a.created - b.created);
        for (let i = 1; i < summaries.length; i++)
          expect((summaries[i - 1] as { ended: number }).ended).toBeLessThanOrEqual(
            (summaries[i] as { created: number }).created,
          );
        const enrolled: string[] = [];
        for await (const page of paginateListSpeakers(
          { client: regional, pageSize: 100 },
          { DomainId: domainId },
        ))
          for (const s of page.SpeakerSummaries ?? [])
            if (s.Status === "ENROLLED") enrolled.push(s.CustomerSpeakerId ?? "");
        regional.destroy();
        expect(enrolled.sort()).toEqual(
          mine
            .filter((j) => j.status === "COMPLETED")
            .flatMap((j) => j.speakers)
            .sort(),
        );
      }
      expect(failed).toBe(1);
      expect(jobs.length).toBeGreaterThan(JOB_WORKERS);

      // Flows: exactly the created ones, each with its last content.
      const names: string[] = [];
      for await (const page of paginateListContactFlows(
        { client: connect },
        { InstanceId: SANDBOX_INSTANCE_ID },
      ))
        for (const f of page.ContactFlowSummaryList ?? [])
          if (f.Name?.startsWith("load-")) names.push(f.Name);
      expect(names.sort()).toEqual([...flows.keys()].sort());
      for (const [name, flow] of flows) {
        const { ContactFlow } = await connect.send(
          new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: flow.id }),
        );
        expect(JSON.stringify(JSON.parse(ContactFlow?.Content ?? "null")), name).toBe(flow.content);
      }
      console.log(
        `load invariants: ${listed.length} objects read back (size, ETag, content), ${speakers.length} opted-out speakers, ${jobs.length} jobs (${failed} FAILED as injected, none stuck, one active per domain), ${flows.size} flows`,
      );
    } finally {
      s3.destroy();
      voiceId.destroy();
      connect.destroy();
    }
  }, 300_000);
});
