import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { forEachConcurrently } from "@cvk/core";
import { createSandbox, serveSandbox, startSandbox } from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { voiceWav } from "../../enrollment/src/run-fixtures/test-support.ts";
import { bin, type CvkRun, cvkAsync } from "../test/cvk-bin.ts";

// Issue 9's security checks, black-box against the built `cvk` (`npm run build` first): the IAM
// policies it generates, what it prints and writes at default verbosity with secrets in the
// environment, where its sandbox server listens, and whether a caller list can reach files outside
// its folder.

const checks: Record<string, number> = {};
const count = (group: string, n = 1) => {
  checks[group] = (checks[group] ?? 0) + n;
};

afterAll(() => {
  const total = Object.values(checks).reduce((a, b) => a + b, 0);
  console.log(
    `security: ${total} checks — ${Object.entries(checks)
      .map(([group, n]) => `${group} ${n}`)
      .join(", ")}`,
  );
});

function workspace(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cvk-security-${prefix}-`));
}

/** Every file under `dir`, relative (symlinks as themselves). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (lstatSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out;
}

// --- IAM ---------------------------------------------------------------------------------------

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: Record<string, string>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}
interface Policies {
  dataAccessRolePolicy: Policy;
  trustPolicy: Policy;
  operatorPolicy: Policy;
}
const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const IAM_ENVS = {
  // Everything known: one domain, key ARNs, no CreateDomain.
  known: {
    config: `    region: us-east-1
    accountId: "444455556666"
    voiceId:
      domain:
        name: cvk-prod
        id: AbCdEfGhIjKlMnOpQrStUv
        kmsKeyId: arn:aws:kms:us-east-1:444455556666:key/11111111-2222-3333-4444-555555555555
    enrollment:
      inputS3Uri: s3://cvk-prod-in/recordings
      outputS3Uri: s3://cvk-prod-out/jobs/
      outputKmsKeyId: arn:aws:kms:us-east-1:444455556666:key/66666666-7777-8888-9999-000000000000
      dataAccessRoleArn: arn:aws:iam::444455556666:role/cvk-data-access
`,
    region: "us-east-1",
    account: "444455556666",
    domainArn: "arn:aws:voiceid:us-east-1:444455556666:domain/AbCdEfGhIjKlMnOpQrStUv",
    wildcardActions: ["voiceid:ListDomains"],
    keys: [
      "arn:aws:kms:us-east-1:444455556666:key/11111111-2222-3333-4444-555555555555",
      "arn:aws:kms:us-east-1:444455556666:key/66666666-7777-8888-9999-000000000000",
    ],
    input: {
      bucket: "cvk-prod-in",
      objects: "arn:aws:s3:::cvk-prod-in/recordings/*",
      prefix: "recordings/*",
    },
    output: "arn:aws:s3:::cvk-prod-out/jobs/*",
    role: "arn:aws:iam::444455556666:role/cvk-data-access",
  },
  // The domain is created by the run (no id yet) and keys are aliases: the documented fallbacks.
  created: {
    config: `    region: eu-west-2
    accountId: "111122223333"
    voiceId:
      domain:
        name: cvk-dev
        create: true
        kmsKeyId: alias/cvk-voiceid
    enrollment:
      inputS3Uri: s3://cvk-dev-in
      outputS3Uri: s3://cvk-dev-out/out
      outputKmsKeyId: alias/cvk-output
      dataAccessRoleArn: arn:aws:iam::111122223333:role/service-role/cvk
`,
    region: "eu-west-2",
    account: "111122223333",
    domainArn: "arn:aws:voiceid:eu-west-2:111122223333:domain/*",
    wildcardActions: ["voiceid:ListDomains", "voiceid:CreateDomain"],
    keys: [] as string[],
    input: { bucket: "cvk-dev-in", objects: "arn:aws:s3:::cvk-dev-in/*", prefix: "*" },
    output: "arn:aws:s3:::cvk-dev-out/out/*",
    role: "arn:aws:iam::111122223333:role/service-role/cvk",
  },
} as const;

describe("cvk iam policy: least privilege", () => {
  let cwd: string;
  const runs = new Map<string, { all: CvkRun; trust: CvkRun }>();

  beforeAll(async () => {
    cwd = workspace("iam");
    writeFileSync(
      join(cwd, "cvk.config.yaml"),
      `version: 1\nenvironments:\n${Object.entries(IAM_ENVS)
        .map(([name, env]) => `  ${name}:\n${env.config}`)
        .join("")}`,
    );
    for (const name of Object.keys(IAM_ENVS)) {
      runs.set(name, {
        all: await cvkAsync(["iam", "policy", "--env", name], cwd),
        trust: await cvkAsync(["iam", "policy", "--env", name, "--document", "trust"], cwd),
      });
    }
  }, 60_000);

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it.each(Object.keys(IAM_ENVS))(
    "%s: no wildcard resource except ListDomains/CreateDomain (no resource type); every ARN is this account's, Region's, buckets', keys', role's and domain's",
    (name) => {
      const env = IAM_ENVS[name as keyof typeof IAM_ENVS];
      const run = runs.get(name)?.all as CvkRun;
      expect(run.code, run.stderr).toBe(0);
      const policies = JSON.parse(run.stdout) as Policies;
      const statements = [
        ...policies.dataAccessRolePolicy.Statement,
        ...policies.trustPolicy.Statement,
        ...policies.operatorPolicy.Statement,
      ];
      // "*" only where iam.ts documents it as the only form: actions without a resource type.
      const star = statements.filter((s) => list(s.Resource).includes("*"));
      expect(star.map((s) => ({ Sid: s.Sid, Action: list(s.Action).sort(), Resource: s.Resource }))).toEqual([
        { Sid: "VoiceIdActionsWithoutResourceType", Action: [...env.wildcardActions].sort(), Resource: "*" },
      ]);
      count("iam");
      // Every other resource is one this environment names, and nothing wider.
      const allowed = new Set<string>([
        env.domainArn,
        env.input.objects,
        `arn:aws:s3:::${env.input.bucket}`,
        env.output,
        env.role,
        ...env.keys,
      ]);
      for (const statement of statements) {
        for (const resource of list(statement.Resource).filter((r) => r !== "*")) {
          expect(allowed, `${statement.Sid}: ${resource}`).toContain(resource);
          const [arn, partition, service, region, account] = resource.split(":");
          expect([arn, partition], resource).toEqual(["arn", "aws"]);
          // No wildcard in the service, Region or account: the only "*" is a key prefix's or the domain id's.
          for (const part of [service, region, account]) expect(part, resource).not.toContain("*");
          // S3 ARNs name neither (bucket names are global); IAM is global (no Region).
          if (service === "iam") expect([region, account], resource).toEqual(["", env.account]);
          else if (service !== "s3") expect([region, account], resource).toEqual([env.region, env.account]);
          count("iam");
        }
        // No action wildcards ("s3:*", "voiceid:*", "*").
        for (const action of list(statement.Action)) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
      }
      // The data-access role reads the input prefix, writes the output prefix and uses keys; nothing else.
      const roleActions = policies.dataAccessRolePolicy.Statement.flatMap((s) =>
        list(s.Action).map((a) => `${a} ${list(s.Resource).join(" ")}`),
      );
      expect(roleActions.sort()).toEqual(
        [
          `s3:GetObject ${env.input.objects}`,
          `s3:PutObject ${env.output}`,
          ...(env.keys[1] ? [`kms:Decrypt ${env.keys[1]}`, `kms:GenerateDataKey ${env.keys[1]}`] : []),
        ].sort(),
      );
      // Listing is held to the input prefix; PassRole only to Voice ID.
      const byId = new Map(policies.operatorPolicy.Statement.map((s) => [s.Sid, s]));
      expect(byId.get("ListInputPrefix")?.Condition).toEqual({
        StringLike: { "s3:prefix": [env.input.prefix] },
      });
      expect(byId.get("PassTheDataAccessRoleToVoiceIdOnly")).toMatchObject({
        Action: "iam:PassRole",
        Resource: env.role,
        Condition: { StringEquals: { "iam:PassedToService": "voiceid.amazonaws.com" } },
      });
      count("iam", 3);
      if (env.domainArn.endsWith("/*") || env.keys.length === 0) {
        // The wider domain pattern and the dropped alias keys are said, on stderr (stdout stays JSON).
        expect(run.stderr).toContain("The domain id is not known yet");
        expect(run.stderr).toContain('voiceId.domain.kmsKeyId is "alias/cvk-voiceid", not a key ARN');
        count("iam");
      }
    },
  );

  it.each(Object.keys(IAM_ENVS))(
    "%s: the trust policy lets only voiceid.amazonaws.com assume the role, for this account's domain (confused deputy)",
    (name) => {
      const env = IAM_ENVS[name as keyof typeof IAM_ENVS];
      const run = runs.get(name)?.trust as CvkRun;
      expect(run.code, run.stderr).toBe(0);
      const trust = JSON.parse(run.stdout) as Policy;
      expect(trust.Statement).toHaveLength(1);
      const [statement] = trust.Statement as [Statement];
      expect(statement).toMatchObject({
        Effect: "Allow",
        Principal: { Service: "voiceid.amazonaws.com" },
        Action: "sts:AssumeRole",
      });
      expect(statement.Resource).toBeUndefined();
      const condition = statement.Condition ?? {};
      expect(condition.StringEquals?.["aws:SourceAccount"]).toBe(env.account);
      const sourceArn = condition.ArnEquals?.["aws:SourceArn"] ?? condition.ArnLike?.["aws:SourceArn"];
      expect(sourceArn).toBe(env.domainArn);
      // With the domain id known the condition names exactly that domain.
      if (!env.domainArn.endsWith("/*")) expect(String(sourceArn)).not.toContain("*");
      count("trust", 4);
    },
  );
});

// --- Secrets and CustomerSpeakerIds --------------------------------------------------------------

const SECRETS = {
  AWS_ACCESS_KEY_ID: "AKIAZZSECURITYTEST01",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecuritytest",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEsecuritytestSESSIONtoken//////////wEaCXVzLXdlc3QtMiJHMEUCIQ",
};
const CALLERS = ["SecretCaller0001", "SecretCaller0002", "SecretCaller0003"];
/** Excluded in the plan (a missing file; too little speech), so they appear in problem summaries. */
const EXCLUDED = ["SecretCaller0004", "SecretCaller0005"];
const mask = (id: string) => `${id.slice(0, 2)}****${id.slice(-2)}`;

describe("no secret and no unmasked CustomerSpeakerId at default verbosity", () => {
  let cwd: string;
  const outputs: { command: string; run: CvkRun }[] = [];

  beforeAll(async () => {
    cwd = workspace("secrets");
    writeFileSync(
      join(cwd, "cvk.config.yaml"),
      `version: 1
environments:
  dev:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-security
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
    enrollment:
      inputS3Uri: s3://cvk-sec-in/enroll
      outputS3Uri: s3://cvk-sec-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
`,
    );
    mkdirSync(join(cwd, "audio"));
    // The embedded sandbox needs Voice ID's 30 s of net speech: two 20 s recordings per caller.
    const rows = ["customer_speaker_id,audio"];
    for (const id of CALLERS) {
      for (const take of [1, 2]) {
        writeFileSync(join(cwd, "audio", `${id}-${take}.wav`), voiceWav(id, 20, take));
        rows.push(`${id},audio/${id}-${take}.wav`);
      }
    }
    rows.push(`${EXCLUDED[0]},audio/missing.wav`, `${EXCLUDED[1]},audio/${CALLERS[0]}-1.wav`);
    writeFileSync(join(cwd, "callers.csv"), `${rows.join("\n")}\n`);

    const run = async (command: string, args: string[]) => {
      const result = await cvkAsync([...args, "--no-progress"], cwd, { env: SECRETS });
      outputs.push({ command, run: result });
      return result;
    };
    await run("doctor", ["doctor", "--env", "dev"]);
    await run("doctor --json", ["doctor", "--env", "dev", "--json"]);
    const plan = await run("enroll plan", ["enroll", "plan", "callers.csv", "--out", "plan", "--env", "dev"]);
    expect(plan.code, plan.stderr).toBe(0);
    await run("enroll plan --json", [
      "enroll",
      "plan",
      "callers.csv",
      "--out",
      "plan-json",
      "--env",
      "dev",
      "--json",
    ]);
    const enroll = await run("enroll run --sandbox", [
      "enroll",
      "run",
      "plan",
      "--sandbox",
      "--env",
      "dev",
      "--run-dir",
      "run",
      "--poll-interval",
      "20",
    ]);
    expect(enroll.code, enroll.stderr).toBe(0);
    await run("enroll status", ["enroll", "status", "run"]);
    await run("enroll report", ["enroll", "report", "run"]);
    const verify = await run("verify speakers --sandbox", [
      "verify",
      "speakers",
      "--sandbox",
      "--env",
      "dev",
      "--expected",
      "run",
      "--junit",
      "verify.xml",
      "--markdown",
      "verify.md",
    ]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // A failing check lists the missing callers themselves: masked.
    const missing = await run("verify speakers (failing)", [
      "verify",
      "speakers",
      "--sandbox",
      "--env",
      "dev",
      "--expected",
      "callers.csv",
      "--junit",
      "failing.xml",
      "--markdown",
      "failing.md",
    ]);
    expect(missing.code).toBe(1);
    await run("verify speakers --json", [
      "verify",
      "speakers",
      "--sandbox",
      "--env",
      "dev",
      "--expected",
      "callers.csv",
      "--json",
    ]);
    // Failures with the secret in the environment: an endpoint that refuses connections.
    await run("enroll run (unreachable)", [
      "enroll",
      "run",
      "plan",
      "--env",
      "dev",
      "--endpoint-url",
      "http://127.0.0.1:9",
      "--run-dir",
      "run-unreachable",
    ]);
    await run("doctor (unreachable)", ["doctor", "--env", "dev", "--endpoint-url", "http://127.0.0.1:9"]);
  }, 300_000);

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("stdout and stderr of doctor, plan, enroll run --sandbox, status, report and verify hold no secret and no unmasked id", () => {
    expect(outputs.length).toBeGreaterThanOrEqual(12);
    const leaks: string[] = [];
    for (const { command, run } of outputs) {
      const text = `${run.stdout}\n${run.stderr}`;
      for (const [name, value] of Object.entries(SECRETS))
        if (text.includes(value)) leaks.push(`${command}: ${name}`);
      for (const id of [...CALLERS, ...EXCLUDED]) if (text.includes(id)) leaks.push(`${command}: ${id}`);
      count("outputs", Object.keys(SECRETS).length + CALLERS.length + EXCLUDED.length);
    }
    expect(leaks).toEqual([]);
    // The outputs are not empty of what matters: the masked key, masked ids, the failed check.
    const all = (command: string) => outputs.find((o) => o.command === command)?.run;
    expect(all("doctor")?.stdout).toContain(
      `key ${SECRETS.AWS_ACCESS_KEY_ID.slice(0, 4)}…${SECRETS.AWS_ACCESS_KEY_ID.slice(-4)}`,
    );
    expect(all("enroll run --sandbox")?.stdout).toMatch(/5 callers: NEW_ENROLLMENT 3, EXCLUDED_IN_PLAN 2/);
    expect(all("verify speakers (failing)")?.stdout).toContain(mask(EXCLUDED[0] as string));
    expect(all("enroll run (unreachable)")?.code).toBe(1);
    expect(all("enroll run (unreachable)")?.stderr).toMatch(/^cvk: AWS_UNREACHABLE: /m);
  });

  it("summary.txt and the JUnit and Markdown reports show ids masked; secrets are in no file at all", () => {
    const human = ["plan/summary.txt", "verify.xml", "verify.md", "failing.xml", "failing.md"];
    for (const file of human) {
      const text = readFileSync(join(cwd, file), "utf8");
      for (const id of [...CALLERS, ...EXCLUDED]) expect(text, `${file}: ${id}`).not.toContain(id);
      count("files", CALLERS.length + EXCLUDED.length);
    }
    expect(readFileSync(join(cwd, "plan/summary.txt"), "utf8")).toContain(mask(EXCLUDED[0] as string));
    expect(readFileSync(join(cwd, "failing.md"), "utf8")).toContain(mask(EXCLUDED[1] as string));
    // Machine files keep the ids by design (report.csv is the per-caller result, manifests go to
    // Voice ID): the promise is about summaries and reports people read. Secrets go nowhere —
    // not even the sandbox's own state.
    const files = filesUnder(cwd);
    expect(files).toContain("run/report.csv");
    expect(readFileSync(join(cwd, "run/report.csv"), "utf8")).toContain(CALLERS[0]);
    const secretValues = Object.values(SECRETS).map((value) => Buffer.from(value));
    const leaks = files.filter((file) => {
      const path = join(cwd, file);
      if (lstatSync(path).isSymbolicLink()) return false;
      const bytes = readFileSync(path);
      return secretValues.some((secret) => bytes.includes(secret));
    });
    expect(leaks).toEqual([]);
    count("files", files.length);
  });
});

// --- The sandbox server binds to loopback ------------------------------------------------------

/** `cvk sandbox serve` with its state in `dataDir`; the URL it prints. */
async function serve(
  args: string[],
  dataDir: string,
): Promise<{ url: URL; stderr: () => string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, "sandbox", "serve", "--port", "0", "--data-dir", dataDir, "--json", ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: dataDir },
    },
  );
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      out += d;
      const match = /"url":"([^"]+)"/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`sandbox serve exited ${code}: ${err}`)));
  });
  return {
    url: new URL(url),
    stderr: () => err + out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGINT");
      }),
  };
}

/** Whether a TCP connection to host:port is accepted (refused or silent for 2 s: false). */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The local address a LISTEN socket on `port` is bound to, from /proc/net/tcp (Linux), if readable. */
function listeningAddress(port: number): string | undefined {
  if (!existsSync("/proc/net/tcp")) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== "0A" || !local?.endsWith(`:${hexPort}`)) continue;
    const hex = local.split(":")[0] as string;
    // Little-endian IPv4: 0100007F is 127.0.0.1.
    return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
  }
  return undefined;
}

const externalAddresses = () =>
  Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal && i.family === "IPv4")
    .map((i) => i.address);

describe("the sandbox server binds to loopback by default", () => {
  let base: string;
  beforeAll(() => {
    base = workspace("serve");
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("cvk sandbox serve --port 0 listens on 127.0.0.1 only: this machine's other addresses are refused", async () => {
    const server = await serve([], join(base, "default"));
    try {
      expect(server.url.hostname).toBe("127.0.0.1");
      const port = Number(server.url.port);
      expect(await reachable("127.0.0.1", port)).toBe(true);
      let methods = 0;
      const bound = listeningAddress(port);
      if (bound !== undefined) {
        expect(bound).toBe("127.0.0.1");
        methods++;
      }
      for (const address of externalAddresses()) {
        expect(await reachable(address, port), address).toBe(false);
        methods++;
      }
      // At least one way to see the bind ran (else this test would prove nothing).
      expect(methods).toBeGreaterThan(0);
      count("loopback", methods + 2);
    } finally {
      await server.stop();
    }
  });

  it("--host 0.0.0.0 is reachable on those addresses (the check above can tell) and warns that it is exposed", async () => {
    const server = await serve(["--host", "0.0.0.0"], join(base, "exposed"));
    try {
      const port = Number(server.url.port);
      expect(server.stderr()).toContain("the sandbox has no authentication and is listening on 0.0.0.0");
      const bound = listeningAddress(port);
      if (bound !== undefined) expect(bound).toBe("0.0.0.0");
      for (const address of externalAddresses()) expect(await reachable(address, port), address).toBe(true);
      count("loopback", 1 + externalAddresses().length);
    } finally {
      await server.stop();
    }
  });

  it("serveSandbox() and startSandbox({ transport: 'server' }) default to 127.0.0.1 too", async () => {
    const sandbox = createSandbox();
    const running = await serveSandbox(sandbox, { port: 0 });
    const started = await startSandbox({ transport: "server" });
    try {
      expect(new URL(running.url).hostname).toBe("127.0.0.1");
      expect(running.server.address()).toMatchObject({ address: "127.0.0.1" });
      expect(new URL(started.endpoint).hostname).toBe("127.0.0.1");
      count("loopback", 3);
    } finally {
      await running.close();
      sandbox.close();
      await started.stop();
    }
  });
});

// --- Caller-list paths cannot leave their folder ------------------------------------------------

interface Escape {
  name: string;
  /** The list's file name and text; `OUT` is the outside folder's absolute path. */
  list: string;
  text: (outside: string) => string;
  /** With --allow-outside: planned (true), or a per-row problem (the target does not exist). */
  exists: boolean;
  /** The path as written leaves the folder: uploaded under recordings/external/<sha256>/ (a link keeps its own path). */
  external?: boolean;
  setup?: (dir: string, outside: string) => void;
}

const HEADER = "customer_speaker_id,audio\ncaller-in,audio/in.wav\n";
const ESCAPES: Escape[] = [
  {
    name: "../",
    list: "callers.csv",
    text: () => `${HEADER}caller-out,../outside/out.wav\n`,
    exists: true,
    external: true,
  },
  {
    name: "a path that climbs out midway",
    list: "callers.csv",
    text: () => `${HEADER}caller-out,audio/../../outside/out.wav\n`,
    exists: true,
    external: true,
  },
  {
    name: "an absolute path",
    list: "callers.csv",
    text: (o) => `${HEADER}caller-out,${o}/out.wav\n`,
    exists: true,
    external: true,
  },
  {
    name: "a symlinked file",
    list: "callers.csv",
    text: () => `${HEADER}caller-out,audio/link.wav\n`,
    exists: true,
    setup: (dir, outside) => symlinkSync(join(outside, "out.wav"), join(dir, "audio/link.wav")),
  },
  {
    name: "a symlinked folder",
    list: "callers.csv",
    text: () => `${HEADER}caller-out,linked/out.wav\n`,
    exists: true,
    setup: (dir, outside) => symlinkSync(outside, join(dir, "linked")),
  },
  {
    name: "a dangling symlink pointing out (a target created later must not escape)",
    list: "callers.csv",
    text: () => `${HEADER}caller-out,audio/later.wav\n`,
    exists: false,
    setup: (dir, outside) => symlinkSync(join(outside, "later.wav"), join(dir, "audio/later.wav")),
  },
  {
    name: "JSONL",
    list: "callers.jsonl",
    text: (o) =>
      `{"customer_speaker_id":"caller-in","audio":"audio/in.wav"}\n{"customer_speaker_id":"caller-out","audio":"${o}/out.wav"}\n`,
    exists: true,
    external: true,
  },
  {
    name: "a manifest's S3Uri as a local path",
    list: "manifest.json",
    text: () =>
      JSON.stringify({
        Version: "1.0",
        SpeakerEnrollmentRequests: [
          {
            RequestId: "r-in",
            SpeakerId: "caller-in",
            AudioSpecifications: [{ S3Uri: "audio/in.wav", ChannelId: 0 }],
          },
          {
            RequestId: "r-out",
            SpeakerId: "caller-out",
            AudioSpecifications: [{ S3Uri: "../outside/out.wav", ChannelId: 0 }],
          },
        ],
      }),
    exists: true,
    external: true,
  },
];

describe("caller-list paths cannot leave the list's folder without --allow-outside", () => {
  let base: string;
  let outside: string;
  const PLAN = [
    "--input-s3-uri",
    "s3://cvk-sec-in/enroll",
    "--no-speech",
    "--min-speech",
    "1",
    "--concurrency",
    "1",
    "--no-progress",
  ];

  beforeAll(() => {
    base = workspace("paths");
    outside = join(base, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "out.wav"), voiceWav("outside", 2));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  function caseFolder(route: Escape, index: number): string {
    const dir = join(base, `case-${index}`);
    mkdirSync(join(dir, "audio"), { recursive: true });
    writeFileSync(join(dir, "audio/in.wav"), voiceWav("inside", 2));
    writeFileSync(join(dir, route.list), route.text(outside));
    route.setup?.(dir, outside);
    return dir;
  }

  it("plan and prepare refuse every escape with PATH_ESCAPE (exit 2, the line and a hint) and write nothing; --allow-outside plans it under recordings/external/", async () => {
    const failures: string[] = [];
    await forEachConcurrently(ESCAPES.entries(), 3, async ([index, route]) => {
      const dir = caseFolder(route, index);
      const plan = await cvkAsync(["enroll", "plan", route.list, "--out", "plan", ...PLAN], dir);
      const prepare = await cvkAsync(
        ["enroll", "prepare", route.list, "--out", "prepared", "--concurrency", "1"],
        dir,
      );
      for (const [command, run, output] of [
        ["plan", plan, "plan"],
        ["prepare", prepare, "prepared"],
      ] as const) {
        const first = run.stderr.split("\n").find((line) => line.startsWith("cvk: "));
        const ok =
          run.code === 2 &&
          /^cvk: PATH_ESCAPE: .*:\d+: recording .* is outside the caller list's folder/.test(first ?? "") &&
          run.stderr.includes("hint: Move the recordings next to the list, or pass --allow-outside") &&
          (!existsSync(join(dir, output)) || filesUnder(join(dir, output)).length === 0);
        if (!ok)
          failures.push(`${route.name} (${command}): exit ${run.code}: ${run.stderr.trim().slice(-300)}`);
      }
      const allowed = await cvkAsync(
        ["enroll", "plan", route.list, "--out", "allowed", "--allow-outside", ...PLAN],
        dir,
      );
      if (allowed.code !== 0) {
        failures.push(
          `${route.name} (--allow-outside): exit ${allowed.code}: ${allowed.stderr.trim().slice(-300)}`,
        );
        return;
      }
      const planned = JSON.parse(readFileSync(join(dir, "allowed/plan.json"), "utf8")) as {
        counts: { plannedSpeakers: number; byReason: Record<string, number> };
      };
      const manifest = readFileSync(join(dir, "allowed/manifests/shard-001.json"), "utf8");
      const uris = [...manifest.matchAll(/"S3Uri":"([^"]+)"/g)].map((m) => m[1] as string);
      const expected = route.exists ? 2 : 1;
      if (
        planned.counts.plannedSpeakers !== expected ||
        (!route.exists && planned.counts.byReason.NOT_FOUND !== 1) ||
        // Upload keys stay under the input prefix whatever the list says.
        uris.some((uri) => uri.includes("..") || !uri.startsWith("s3://cvk-sec-in/enroll/recordings/")) ||
        (route.external === true &&
          !uris.some((uri) => /\/recordings\/external\/[0-9a-f]{64}\/[^/]+\.wav$/.test(uri)))
      ) {
        failures.push(`${route.name} (--allow-outside): ${JSON.stringify(planned.counts)} ${uris.join(" ")}`);
      }
      count("paths", 3);
    });
    expect(failures).toEqual([]);
  });

  it("a symlink that stays inside the folder is fine", async () => {
    const dir = join(base, "inside-link");
    mkdirSync(join(dir, "audio"), { recursive: true });
    writeFileSync(join(dir, "audio/in.wav"), voiceWav("inside", 2));
    symlinkSync("in.wav", join(dir, "audio/alias.wav"));
    writeFileSync(join(dir, "callers.csv"), "customer_speaker_id,audio\ncaller-a,audio/alias.wav\n");
    const run = await cvkAsync(["enroll", "plan", "callers.csv", "--out", "plan", ...PLAN], dir);
    expect(run.code, run.stderr).toBe(0);
    count("paths");
  });

  it("cvk fraudsters register refuses an escape before uploading anything", async () => {
    const dir = caseFolder(ESCAPES[0] as Escape, 99);
    writeFileSync(
      join(dir, "cvk.config.yaml"),
      `version: 1
environments:
  dev:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain: { name: cvk-security, create: true, kmsKeyId: alias/k }
    enrollment:
      inputS3Uri: s3://cvk-sec-in/enroll
      outputS3Uri: s3://cvk-sec-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
`,
    );
    const run = await cvkAsync(["fraudsters", "register", "callers.csv", "--sandbox", "--no-progress"], dir);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^cvk: PATH_ESCAPE: /m);
    // Nothing reached the sandbox's S3.
    const sandbox = createSandbox({ dataDir: join(dir, ".cvk/sandbox") });
    const server = await serveSandbox(sandbox, { port: 0 });
    const s3 = new S3Client({
      region: "us-west-2",
      endpoint: server.url,
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDSEC", secretAccessKey: "sec" },
    });
    try {
      const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
      for (const bucket of Buckets) {
        const { KeyCount } = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name }));
        expect(KeyCount, bucket.Name).toBe(0);
      }
      count("paths", 2);
    } finally {
      s3.destroy();
      await server.close();
      sandbox.close();
    }
  });
});
