import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { AwsClients } from "./aws-clients.ts";
import { fromAwsError } from "./aws-errors.ts";

/**
 * Which provider of the SDK's default chain will answer, predicted from the environment in the
 * chain's own order (env → profile files incl. SSO → web identity → container → instance metadata).
 * Names only; never a key.
 */
export function describeCredentialSource(
  profile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  // The SDK skips environment keys when a profile is chosen explicitly.
  if (!profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return env.AWS_SESSION_TOKEN ? "environment variables (temporary session)" : "environment variables";
  }
  const configFile = env.AWS_CONFIG_FILE ?? join(homedir(), ".aws", "config");
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws", "credentials");
  const name = profile ?? "default";
  if (profile || existsSync(configFile) || existsSync(credentialsFile))
    return `shared config profile "${name}"`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return "web identity token (e.g. EKS IRSA, GitHub OIDC)";
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return "container credentials (ECS/EKS)";
  return "EC2 instance metadata (no other source found)";
}

/** AKIA…WXYZ: enough to tell keys apart, not enough to use one. */
export function maskAccessKeyId(accessKeyId: string): string {
  return accessKeyId.length <= 8 ? "****" : `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

export interface CredentialCheck {
  ok: boolean;
  accessKeyId?: string;
  expiresAt?: string;
  error?: string;
}

/** Resolves the clients' credentials (with a time limit: instance metadata can hang off EC2). */
export async function checkCredentials(clients: AwsClients, timeoutMs = 5000): Promise<CredentialCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const identity = await Promise.race([
      clients.voiceId.config.credentials(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no credentials after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      ok: true,
      accessKeyId: maskAccessKeyId(identity.accessKeyId),
      ...(identity.expiration ? { expiresAt: identity.expiration.toISOString() } : {}),
    };
  } catch (error) {
    return { ok: false, error: fromAwsError(error).message };
  } finally {
    clearTimeout(timer);
  }
}
