// `npm run test:reliability`: only test/reliability (SIGKILL mid-burst, WeCom outages, store faults,
// hostile input). `npm test` runs these too; this config is for running them alone.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/reliability'] };
