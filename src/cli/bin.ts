#!/usr/bin/env node
import { run } from './main.js';
import { tolerateClosedPipes } from './pipes.js';

tolerateClosedPipes();
process.exitCode = await run(process.argv.slice(2));
