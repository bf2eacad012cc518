#!/usr/bin/env node
// The SDK warns on every run under Node 20 about its own future Node 22 floor; `cvk doctor`
// reports Node support instead of every command printing it. An explicit setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main } = await import("../dist/index.js");
process.exitCode = await main(process.argv.slice(2));
