#!/usr/bin/env node
// Committed (unlike dist/) so `npm install` on a fresh clone can link the
// `huashu` command before the first build; the CLI itself is compiled TypeScript.
import '../dist/cli.js';
