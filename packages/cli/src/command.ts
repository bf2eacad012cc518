import type { Argv } from "yargs";
import type { CommandContext } from "./context.ts";

/**
 * A cvk subcommand. Handlers return the exit code instead of touching the process, so `main` stays
 * the one place that decides how the process ends.
 */
export interface CommandDefinition<Args = Record<string, unknown>> {
  command: string | string[];
  describe: string;
  examples: [string, string][];
  builder?: (yargs: Argv) => Argv;
  run?(context: CommandContext, args: Args): Promise<number>;
  /** A command group (`cvk sandbox serve`): the group itself only lists these. */
  subcommands?: CommandDefinition[];
}
