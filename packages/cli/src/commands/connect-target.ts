import { resolve } from "node:path";
import { CvkError, type EnvironmentSelection } from "@cvk/core";
import { type AwsSession, openAwsSession } from "../aws-session.ts";
import type { CommandContext } from "../context.ts";

/** The environment a Connect command works on: `--env NAME` (or CVK_ENV, or the config's only one). */
export function connectEnvironment(context: CommandContext, command: string): EnvironmentSelection {
  const environment = context.settings().environment;
  if (!environment) {
    throw new CvkError(
      "CONFIG_NOT_FOUND",
      `${command} needs cvk.config.yaml (connect.instanceId, connect.flows)`,
      {
        hint: "Create ./cvk.config.yaml (see fixtures/cvk.config.example.yaml) or pass --config FILE, and --env NAME.",
      },
    );
  }
  return environment;
}

const INSTANCE_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/([^/]+)$/;

/**
 * The Connect instance id for the environment. With --sandbox the configured id is seeded into the
 * embedded sandbox on first use, as a fresh instance (BasicQueue, the default prompts and flows) in
 * the session's Region with the alias `cvk-<env>`, so dev and prod stay separate there as they are in
 * AWS; with no instanceId configured, --sandbox uses the sandbox's own seeded instance.
 */
export async function connectInstanceId(
  context: CommandContext,
  session: AwsSession,
  environment: EnvironmentSelection,
  command: string,
): Promise<string> {
  const configured = environment.config.connect?.instanceId;
  const id = configured === undefined ? undefined : (INSTANCE_ARN.exec(configured)?.[1] ?? configured);
  if (!session.sandbox || !session.harness) {
    if (id === undefined) {
      const where = environment.source.locate(["environments", environment.name]);
      throw new CvkError(
        "CONFIG_INVALID",
        `${where}: environments.${environment.name}.connect.instanceId: is required by ${command}`,
        {
          hint: `Set connect.instanceId (the Connect instance id or ARN) under environments.${environment.name}.`,
        },
      );
    }
    return id;
  }
  // The sandbox is loaded already (--sandbox); its own instance is seeded in every sandbox.
  if (id === undefined) return (await import("@cvk/harness")).SANDBOX_INSTANCE_ID;
  const engine = session.harness.engine.connect;
  if (!engine.findInstance(id)) {
    const region = context.settings().region.value ?? "us-west-2";
    let alias = `cvk-${environment.name}`.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 45);
    try {
      engine.createInstance({ alias, region, id });
    } catch (error) {
      // The alias is taken by an instance seeded for an earlier instanceId: keep both apart.
      if ((error as { type?: string }).type !== "DuplicateResourceException") {
        throw new CvkError(
          "CONFIG_INVALID",
          `The sandbox cannot seed instance ${id}: ${(error as Error).message}`,
          {
            hint: "Set connect.instanceId to a Connect instance id (a UUID) or its ARN.",
            cause: error,
          },
        );
      }
      alias = `${alias.slice(0, 36)}-${id.slice(0, 8)}`;
      engine.createInstance({ alias, region, id });
    }
    context.output.event({
      type: "info",
      step: "sandbox",
      message: `seeded Connect instance ${id} (${alias}, ${region}) for environment ${environment.name}`,
    });
  }
  return id;
}

/** Opens the AWS session for a Connect command (the embedded sandbox's state in .cvk/sandbox). */
export async function withConnectSession<T>(
  context: CommandContext,
  work: (session: AwsSession) => Promise<T>,
): Promise<T> {
  const session = await openAwsSession(context.settings(), {
    sandboxDir: resolve(context.cwd, ".cvk/sandbox"),
  });
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
