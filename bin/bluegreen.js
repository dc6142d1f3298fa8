#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare) or `npm run build`, which also
// bundles it into one file that client/launch.ts loads with V8's code cache (fast verbs).
// Node 20 is supported by this project; the AWS SDK's notice about its own future support
// would otherwise print on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('../dist/client/launch.js').launch(process.argv.slice(2));
