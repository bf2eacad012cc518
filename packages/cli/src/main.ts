import { CVK_VERSION, CvkError, type GlobalFlags, toCvkError } from "@cvk/core";
import yargs, { type Argv } from "yargs";
import type { CommandDefinition } from "./command.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { enrollCommand } from "./commands/enroll.ts";
import { flowCommand } from "./commands/flow.ts";
import { fraudstersCommand } from "./commands/fraudsters.ts";
import { iamCommand } from "./commands/iam.ts";
import { instanceCommand } from "./commands/instance.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { sandboxCommand } from "./commands/sandbox.ts";
import { verifyCommand } from "./commands/verify.ts";
import { createContext } from "./context.ts";
import { Output, type Streams } from "./output.ts";

export interface MainOptions extends Partial<Streams> {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const COMMANDS: CommandDefinition[] = [
  doctorCommand,
  enrollCommand,
  flowCommand,
  fraudstersCommand,
  iamCommand,
  instanceCommand,
  migrateCommand,
  sandboxCommand,
  verifyCommand,
];

/** Global flags as yargs parsed them. */
interface ParsedGlobals {
  env?: string;
  config?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  sandbox?: boolean;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  verbose?: boolean;
}

function camelCase(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Looks for output flags before yargs runs, so even a usage error is shown the way the user asked. */
function earlyOutputOptions(argv: string[]) {
  return {
    json: argv.includes("--json"),
    quiet: argv.includes("--quiet") || argv.includes("-q"),
    verbose: argv.includes("--verbose"),
    progress: !argv.includes("--no-progress"),
  };
}

/** Runs the cvk command line and returns the exit code: 0 ok, 1 failed, 2 usage or configuration. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const streams: Streams = {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
  };
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let output = new Output(earlyOutputOptions(argv), streams);
  let exitCode = 0;

  const parser = yargs(argv)
    .scriptName("cvk")
    .usage("cvk — Connect Voice ID Kit\n\nUsage: $0 <command> [options]")
    .version(CVK_VERSION)
    .option("env", {
      type: "string",
      describe: "Environment from cvk.config.yaml (or CVK_ENV)",
      global: true,
    })
    .option("config", {
      type: "string",
      describe: "Config file (default ./cvk.config.yaml, or CVK_CONFIG)",
      global: true,
    })
    .option("region", { type: "string", describe: "AWS Region (overrides the config)", global: true })
    .option("profile", {
      type: "string",
      describe: "AWS shared-config profile (SSO profiles included)",
      global: true,
    })
    .option("endpoint-url", {
      type: "string",
      describe: "Send all AWS calls to this endpoint (e.g. a sandbox)",
      global: true,
    })
    .option("sandbox", {
      type: "boolean",
      describe: "Run against the embedded sandbox (state in .cvk/sandbox)",
      global: true,
    })
    .option("json", { type: "boolean", describe: "Newline-delimited JSON on stdout", global: true })
    .option("quiet", { alias: "q", type: "boolean", describe: "Print only the result", global: true })
    .option("progress", {
      type: "boolean",
      default: true,
      describe: "Show progress (--no-progress: plain lines)",
      global: true,
    })
    .option("verbose", {
      type: "boolean",
      describe: "Show stack traces and AWS details on errors",
      global: true,
    })
    .conflicts("json", "quiet")
    // yargs turns a repeated option into a list, which a command expecting one value would misuse
    // (`--input-s3-uri a --input-s3-uri b` failed as INTERNAL); only options declared as lists repeat.
    // (@types/yargs 17 omits the instance yargs passes as the second argument, and its getOptions.)
    .middleware(((args: Record<string, unknown>, instance: { getOptions(): { array?: string[] } }) => {
      const lists = new Set((instance.getOptions().array ?? []).map(camelCase));
      const repeated = Object.entries(args).filter(
        ([key, value]) => key !== "_" && Array.isArray(value) && !lists.has(camelCase(key)),
      );
      const first = repeated[0];
      if (first) {
        const flag = `--${first[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        throw new CvkError(
          "USAGE",
          `${flag} was given ${(first[1] as unknown[]).length} times; it takes one value`,
          {
            hint: `Give ${flag} once (only --param repeats).`,
          },
        );
      }
    }) as unknown as (args: unknown) => void)
    .strict()
    .demandCommand(1, "Choose a command (see cvk --help).")
    .recommendCommands()
    .exitProcess(false)
    // Wrap to the terminal; never wrap piped help (it breaks copy-pasting the examples).
    .wrap(streams.stdout.isTTY ? Math.min(120, process.stdout.columns ?? 100) : null)
    .epilogue(
      "Exit codes: 0 ok, 1 an operation or check failed, 2 usage or configuration error.\n" +
        "AWS ended Voice ID on 2026-05-20: use --sandbox or --endpoint-url for the Voice ID half. See `cvk doctor`.",
    )
    .example("$0 doctor --env dev", "Show what cvk resolves for the dev environment")
    .example("$0 doctor --sandbox --json", "The same, as JSON, against the embedded sandbox")
    .fail((message, error) => {
      // yargs reports its own parse problems as plain messages; everything else is rethrown as is.
      throw error ?? new CvkError("USAGE", message, { hint: "Run `cvk --help` or `cvk <command> --help`." });
    });

  const register = (y: Argv, definition: CommandDefinition): Argv =>
    y.command({
      command: definition.command,
      describe: definition.describe,
      builder: (sub) => {
        for (const [example, description] of definition.examples) sub.example(example, description);
        if (definition.subcommands) {
          for (const child of definition.subcommands) register(sub, child);
          sub.demandCommand(1, `Choose a subcommand (see cvk ${String(definition.command)} --help).`);
        }
        return definition.builder ? definition.builder(sub) : sub;
      },
      handler: async (args) => {
        if (!definition.run) return;
        const globals = args as ParsedGlobals;
        output = new Output(
          {
            json: globals.json === true,
            quiet: globals.quiet === true,
            verbose: globals.verbose === true,
            progress: globals.progress !== false,
          },
          streams,
        );
        const flags: GlobalFlags = {
          ...(globals.env === undefined ? {} : { env: globals.env }),
          ...(globals.config === undefined ? {} : { config: globals.config }),
          ...(globals.region === undefined ? {} : { region: globals.region }),
          ...(globals.profile === undefined ? {} : { profile: globals.profile }),
          ...(globals.endpointUrl === undefined ? {} : { endpointUrl: globals.endpointUrl }),
          ...(globals.sandbox === undefined ? {} : { sandbox: globals.sandbox }),
        };
        exitCode = await definition.run(
          createContext(output, flags, env, cwd),
          args as Record<string, unknown>,
        );
      },
    });
  for (const definition of COMMANDS) register(parser, definition);

  try {
    let helpText = "";
    await parser.parseAsync(argv, {}, (error, _argv, text) => {
      if (!error && text) helpText = text;
    });
    // --help and --version end here with their text.
    if (helpText) streams.stdout.write(`${helpText}\n`);
    return exitCode;
  } catch (error) {
    const failure = toCvkError(error);
    output.error(failure);
    return failure.exitCode;
  }
}
