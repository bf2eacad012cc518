/** Engine-level checks that need a hand-made S3 or a look inside the store (no wire involved). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@cvk/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FaultInjector } from "../faults.ts";
import type { S3ObjectAccess, ServiceContext } from "../service-context.ts";
import { SandboxStore } from "../store.ts";
import { VoiceIdEngine } from "./engine.ts";
import { enrollmentManifest } from "./test-support.ts";

const CALL = { region: "us-west-2" };

function context(store: SandboxStore): ServiceContext {
  return {
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    store,
    faults: new FaultInjector(),
    accountId: "123456789012",
    defaultRegion: "us-west-2",
    jobs: { mode: "immediate" },
    minNetSpeechSeconds: 3,
    cacheAudioAnalysis: true,
  };
}

/** An S3 with one bucket of files on disk; `explode` makes reading one key throw. */
function fakeS3(dir: string, files: Record<string, string>, explode?: string): S3ObjectAccess {
  for (const [key, body] of Object.entries(files)) writeFileSync(join(dir, key.replace(/\//g, "_")), body);
  return {
    bucketExists: (bucket) => bucket === "bucket",
    objectFile: (bucket, key) => {
      if (key === explode) throw new Error("disk on fire");
      if (bucket !== "bucket" || !(key in files)) return undefined;
      const body = files[key] as string;
      return { path: join(dir, key.replace(/\//g, "_")), size: body.length, etag: `"${body.length}-${key}"` };
    },
    putObject: async (_bucket, key, body) => {
      files[key] = new TextDecoder().decode(body);
    },
  };
}

describe("VoiceIdEngine", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function setup(files: Record<string, string> = {}, explode?: string) {
    const store = SandboxStore.open();
    const dir = mkdtempSync(join(tmpdir(), "cvk-voiceid-fake-s3-"));
    cleanups.push(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const engine = new VoiceIdEngine(context(store), fakeS3(dir, files, explode));
    return { engine, store, files };
  }

  async function domain(engine: VoiceIdEngine): Promise<string> {
    const out = await engine.invoke(
      "CreateDomain",
      { Name: "d", ServerSideEncryptionConfiguration: { KmsKeyId: "k" } },
      CALL,
    );
    return (out.Domain as { DomainId: string }).DomainId;
  }

  it("an unexpected failure on one request becomes that request's 500 entry, not a failed job", async () => {
    const manifest = enrollmentManifest([
      {
        RequestId: "boom",
        SpeakerId: "s1",
        AudioSpecifications: [{ S3Uri: "s3://bucket/a.wav", ChannelId: 0 }],
      },
    ]);
    const { engine, files } = setup({ "m.json": manifest }, "a.wav");
    const domainId = await domain(engine);
    const started = await engine.invoke(
      "StartSpeakerEnrollmentJob",
      {
        DomainId: domainId,
        DataAccessRoleArn: "arn:aws:iam::123456789012:role/voice-id",
        InputDataConfig: { S3Uri: "s3://bucket/m.json" },
        OutputDataConfig: { S3Uri: "s3://bucket/out" },
      },
      CALL,
    );
    const jobId = (started.Job as { JobId: string }).JobId;
    const described = await engine.invoke(
      "DescribeSpeakerEnrollmentJob",
      { DomainId: domainId, JobId: jobId },
      CALL,
    );
    expect(described.Job, JSON.stringify(described.Job)).toMatchObject({
      JobStatus: "COMPLETED_WITH_ERRORS",
    });
    const output = JSON.parse(files[`out/${jobId}/m.json.out`] as string);
    expect(output.Errors).toEqual([
      { RequestId: "boom", ErrorCode: 500, ErrorMessage: expect.stringContaining("disk on fire") },
    ]);
  });

  it("a change to one speaker rewrites one shard of the domain, not all of them", async () => {
    const { engine, store } = setup();
    const domainId = await domain(engine);
    engine.seedSpeakers(
      domainId,
      Array.from({ length: 5000 }, (_, i) => ({ customerSpeakerId: `s${i}` })),
    );
    const writes = vi.spyOn(store, "writeJson");
    await engine.invoke("OptOutSpeaker", { DomainId: domainId, SpeakerId: "s42" }, CALL);
    expect(writes.mock.calls.map(([key]) => key)).toEqual([
      expect.stringMatching(new RegExp(`^voiceid/speakers/${domainId}/[0-9a-f]{2}$`)),
    ]);
    const shard = writes.mock.calls[0]?.[1] as { speakers: unknown[] };
    expect(shard.speakers.length).toBeLessThan(60);
  });

  it("concurrent Starts for one domain: exactly one job becomes active", async () => {
    const { engine } = setup({ "m.json": enrollmentManifest([]) });
    const domainId = await domain(engine);
    const input = {
      DomainId: domainId,
      DataAccessRoleArn: "arn:aws:iam::123456789012:role/voice-id",
      InputDataConfig: { S3Uri: "s3://bucket/m.json" },
      OutputDataConfig: { S3Uri: "s3://bucket/out" },
    };
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => engine.invoke("StartSpeakerEnrollmentJob", input, CALL)),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(
      results
        .filter((result) => result.status === "rejected")
        .map((result) => (result as PromiseRejectedResult).reason.type),
    ).toEqual(Array(4).fill("ServiceQuotaExceededException"));
    await engine.settle();
  });

  it("state survives reopening a durable store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cvk-voiceid-state-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const s3 = fakeS3(dataDir, {});
    let store = SandboxStore.open(dataDir);
    let engine = new VoiceIdEngine(context(store), s3);
    const domainId = await domain(engine);
    await engine.invoke("CreateWatchlist", { DomainId: domainId, Name: "w" }, CALL);
    await engine.invoke("OptOutSpeaker", { DomainId: domainId, SpeakerId: "quitter" }, CALL);
    const [fraudster] = engine.seedFraudsters(domainId, [{}]);
    store.close();

    store = SandboxStore.open(dataDir);
    cleanups.push(() => store.close());
    engine = new VoiceIdEngine(context(store), s3);
    const watchlists = await engine.invoke("ListWatchlists", { DomainId: domainId }, CALL);
    expect((watchlists.WatchlistSummaries as unknown[]).length).toBe(2);
    const speaker = await engine.invoke(
      "DescribeSpeaker",
      { DomainId: domainId, SpeakerId: "quitter" },
      CALL,
    );
    expect(speaker.Speaker).toMatchObject({ Status: "OPTED_OUT" });
    const described = await engine.invoke(
      "DescribeFraudster",
      { DomainId: domainId, FraudsterId: fraudster },
      CALL,
    );
    expect(described.Fraudster).toMatchObject({ GeneratedFraudsterId: fraudster });
  });
});
