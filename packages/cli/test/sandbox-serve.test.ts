import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const bin = resolve(import.meta.dirname, "../bin/cvk.js");
// Debian's awscli, by full path: a version-manager shim named `aws` may come first on PATH.
const AWS_CLI = "/usr/bin/aws";

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill("SIGKILL");
});

function serve(dataDir: string, extra: string[] = []): Promise<Served> {
  const child = spawn(
    process.execPath,
    [bin, "sandbox", "serve", "--port", "0", "--data-dir", dataDir, ...extra],
    {
      env: { PATH: process.env.PATH ?? "", HOME: dataDir },
    },
  );
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolvePromise, reject) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolvePromise({ child, url: match[1], stdout: () => stdout });
    });
    child.on("exit", (code) => reject(new Error(`cvk sandbox serve exited ${code}: ${stderr}`)));
  });
}

function stop(served: Served): Promise<number | null> {
  return new Promise((resolvePromise) => {
    served.child.on("exit", (code) => resolvePromise(code));
    served.child.kill("SIGTERM");
  });
}

function aws(url: string, args: string[]) {
  const result = spawnSync(
    AWS_CLI,
    ["--endpoint-url", url, "--region", "us-west-2", "--output", "json", ...args],
    {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        AWS_ACCESS_KEY_ID: "AKIDSANDBOX",
        AWS_SECRET_ACCESS_KEY: "sandbox",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_PAGER: "",
      },
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cvk sandbox serve (black-box)", () => {
  it("binds to loopback by default, stops cleanly on SIGTERM, and keeps its state across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cvk-serve-"));
    const first = await serve(dataDir);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${first.url}/`, {
      method: "POST",
      headers: { "x-amz-target": "VoiceID.CreateDomain", "content-type": "application/x-amz-json-1.0" },
      body: JSON.stringify({ Name: "persisted", ServerSideEncryptionConfiguration: { KmsKeyId: "alias/x" } }),
    });
    expect(response.status).toBe(200);
    expect(await stop(first)).toBe(0);
    expect(first.stdout()).toContain("sandbox stopped");

    const second = await serve(dataDir);
    const list = await fetch(`${second.url}/`, {
      method: "POST",
      headers: { "x-amz-target": "VoiceID.ListDomains", "content-type": "application/x-amz-json-1.0" },
      body: "{}",
    });
    const body = (await list.json()) as { DomainSummaries: { Name: string }[] };
    expect(body.DomainSummaries.map((d) => d.Name)).toEqual(["persisted"]);
    expect(await stop(second)).toBe(0);
  });

  it("refuses a second server on the same data directory with a clear error", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cvk-serve-"));
    const first = await serve(dataDir);
    const second = spawnSync(
      process.execPath,
      [bin, "sandbox", "serve", "--port", "0", "--data-dir", dataDir],
      {
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      /RUN_LOCKED: Another cvk process \(pid \d+\) is using the sandbox data directory/,
    );
    await stop(first);
  });

  it.skipIf(!existsSync(AWS_CLI))(
    "serves the AWS CLI: a voice-id call, an s3 cp and a connect call",
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "cvk-serve-"));
      const served = await serve(dataDir);
      const created = aws(served.url, [
        "voice-id",
        "create-domain",
        "--name",
        "from-aws-cli",
        "--server-side-encryption-configuration",
        "KmsKeyId=alias/cvk",
      ]);
      expect(created.stderr).toBe("");
      const domain = JSON.parse(created.stdout).Domain as { DomainId: string; DomainStatus: string };
      expect(domain.DomainId).toMatch(/^[a-zA-Z0-9]{22}$/);
      expect(domain.DomainStatus).toBe("ACTIVE");
      // botocore validates lengths before sending; the sandbox answers the modelled error by name.
      const missing = aws(served.url, [
        "voice-id",
        "describe-domain",
        "--domain-id",
        "AAAAAAAAAAAAAAAAAAAAAA",
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("ResourceNotFoundException");

      const file = join(dataDir, "note.txt");
      writeFileSync(file, "hello from the AWS CLI\n");
      expect(aws(served.url, ["s3", "mb", "s3://cli-bucket"]).code).toBe(0);
      expect(aws(served.url, ["s3", "cp", file, "s3://cli-bucket/notes/note.txt"]).code).toBe(0);
      const copiedBack = join(dataDir, "back.txt");
      expect(aws(served.url, ["s3", "cp", "s3://cli-bucket/notes/note.txt", copiedBack]).code).toBe(0);
      expect(spawnSync("cat", [copiedBack], { encoding: "utf8" }).stdout).toBe("hello from the AWS CLI\n");

      const instances = aws(served.url, ["connect", "list-instances"]);
      expect(JSON.parse(instances.stdout).InstanceSummaryList[0].InstanceAlias).toBe("cvk-sandbox");
      await stop(served);
    },
  );
});

if (!existsSync(AWS_CLI))
  console.log(`skipping the AWS CLI test: ${AWS_CLI} is absent (apt-get install awscli)`);
