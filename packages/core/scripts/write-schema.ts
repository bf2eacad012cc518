// Regenerates schema/cvk.config.schema.json from the zod schema (run: npm run schema -w @cvk/core).
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../src/config-schema.ts";

writeFileSync(
  new URL("../schema/cvk.config.schema.json", import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
