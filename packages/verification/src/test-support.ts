// Shared by this package's tests; excluded from the build (tsconfig.build.json: src/**/test-support.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateDomainCommand } from "@aws-sdk/client-voice-id";
import { type AwsClients, createAwsClients } from "@cvk/core";
import { createSandbox, SANDBOX_ENDPOINT, type Sandbox, type SandboxOptions } from "@cvk/harness";
import { setupServer } from "msw/node";

export interface TestSandbox {
  sandbox: Sandbox;
  /** cvk's own clients (the real SDK, no pacing) served in-process by the sandbox. */
  clients: AwsClients;
  /** Requests the sandbox answered for one operation (throttled ones included). */
  calls(operation: string): number;
  stop(): Promise<void>;
}

export async function startTestSandbox(
  options: SandboxOptions = {},
  client: { maxAttempts?: number } = {},
): Promise<TestSandbox> {
  const sandbox = createSandbox({ minNetSpeechSeconds: 3, ...options });
  const server = setupServer(...sandbox.handlers);
  server.listen({ onUnhandledRequest: "error" });
  const clients = await createAwsClients({
    region: "us-west-2",
    endpoint: SANDBOX_ENDPOINT,
    credentials: { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" },
    limiter: false,
    maxAttempts: client.maxAttempts ?? 1,
    inProcess: true,
  });
  return {
    sandbox,
    clients,
    calls: (operation) => sandbox.log.entries({ operation }).length,
    async stop() {
      clients.destroy();
      server.close();
      sandbox.close();
    },
  };
}

/** A domain created over the wire, with `speakers` loaded straight in (seedSpeakers). */
export async function domainWithSpeakers(
  test: TestSandbox,
  speakers: { customerSpeakerId: string; status?: "ENROLLED" | "OPTED_OUT" | "EXPIRED" | "PENDING" }[],
  name = "verify-test",
): Promise<{ domainId: string; arn: string; generated: Map<string, string> }> {
  const { Domain } = await test.clients.voiceId.send(
    new CreateDomainCommand({ Name: name, ServerSideEncryptionConfiguration: { KmsKeyId: "alias/verify" } }),
  );
  const domainId = Domain?.DomainId ?? "";
  const ids = test.sandbox.engine.voiceId.seedSpeakers(domainId, speakers);
  return {
    domainId,
    arn: Domain?.Arn ?? "",
    generated: new Map(speakers.map((speaker, i) => [speaker.customerSpeakerId, ids[i] as string])),
  };
}

/** cvk's statement of the common JUnit format (schema/junit.xsd). */
export function junitSchema(): string {
  return readFileSync(join(import.meta.dirname, "..", "schema", "junit.xsd"), "utf8");
}

/**
 * Validates XML against the JUnit schema with libxml2 (libxml2-wasm); returns the problems, [] when valid.
 * See docs/decisions/0007-verification-reports-and-junit-schema.md.
 */
export async function junitProblems(xml: string): Promise<string[]> {
  const { XmlDocument, XsdValidator, XmlLibError } = await import("libxml2-wasm");
  const schemaDoc = XmlDocument.fromString(junitSchema());
  const validator = XsdValidator.fromDoc(schemaDoc);
  let doc: InstanceType<typeof XmlDocument> | undefined;
  try {
    doc = XmlDocument.fromString(xml);
    validator.validate(doc);
    return [];
  } catch (error) {
    if (error instanceof XmlLibError) return error.details.map((d) => `${d.line}: ${d.message.trim()}`);
    return [String((error as Error).message)];
  } finally {
    doc?.dispose();
    validator.dispose();
    schemaDoc.dispose();
  }
}
