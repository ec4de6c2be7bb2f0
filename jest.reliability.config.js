// `npm run test:reliability`: only test/reliability (SIGKILL mid-burst, WeCom outages, store faults,
// hostile input). `npm test` runs these too, with the property tests on a fixed seed; run alone, they
// draw a fresh seed each time to look for new counterexamples (test/reliability/propertyRuns.ts).
// Jest's workers inherit this process's environment.
process.env.FC_RANDOM ??= '1';
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/reliability'] };
