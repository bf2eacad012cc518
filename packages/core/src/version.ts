import { createRequire } from "node:module";

// Read at run time so src (tests) and dist (the built CLI) report the same version.
const manifest = createRequire(import.meta.url)("../package.json") as { version: string };

/** The cvk version, sent as the `cvk/<version>` user-agent suffix and printed by `cvk --version`. */
export const CVK_VERSION: string = manifest.version;
