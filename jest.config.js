// file-type is ESM-only; jest on Node 20 cannot require(esm), so its dependency chain is
// transformed to CommonJS by swc. Keep this list in step with file-type's dependencies; jose (ESM only
// since 6) is required by jwks-rsa, which @microsoft/agents-hosting loads.
const esmOnly = ['file-type', 'strtok3', 'token-types', '@tokenizer/inflate', '@borewit/text-codec', 'uint8array-extras', 'jose'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^file-type$': '<rootDir>/node_modules/file-type/index.js' },
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testTimeout: 30000,
};
