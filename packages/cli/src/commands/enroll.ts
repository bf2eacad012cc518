import type { CommandDefinition } from "../command.ts";
import { enrollPlanCommand, enrollPrepareCommand } from "./enroll-plan.ts";
import { enrollReportCommand, enrollRunCommand, enrollStatusCommand } from "./enroll-run.ts";

export const enrollCommand: CommandDefinition = {
  command: "enroll",
  describe: "Enroll callers into Voice ID from their recordings: plan, prepare, run, status, report",
  examples: [
    ["$0 enroll plan callers.csv --out plan", "Validate everything, write manifests; no AWS writes"],
    ["$0 enroll prepare callers.csv --out prepared", "Convert recordings Voice ID would reject"],
    ["$0 enroll run plan --env dev", "Upload, start the jobs, wait, write the report (resumable)"],
  ],
  subcommands: [
    enrollPlanCommand,
    enrollPrepareCommand,
    enrollRunCommand,
    enrollStatusCommand,
    enrollReportCommand,
  ],
};
