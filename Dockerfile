# The runnable app (the reference bot on WeCom; the sandbox when no WeCom credentials are set).
# Not built on the project's CI machines (no Docker there): test/ops/dockerFiles.test.ts checks this
# file's instructions instead.
#   docker build -t wecom-kf-botbuilder .
#   docker run --env-file .env -p 3978:3978 -v wecom-data:/data wecom-kf-botbuilder

# --- build: TypeScript → dist/ (dev dependencies live only in this stage) ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds dist/, and the sources are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/buildConsole.js ./scripts/
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and dist/ only, as the unprivileged `node` user ---
FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3978 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would rebuild dist/ with TypeScript, which is a dev dependency; dist/
# comes from the build stage. The app's server and bot need botbuilder and restify, the package's
# peer dependencies (dev dependencies here): added at the versions package.json pins, the rest of
# the tree from package-lock.json, nothing written back. better-sqlite3 (the embedded store's OS lock)
# is the one native addon the app needs: rebuilt alone, which fetches its published prebuilt binary.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm install --no-save --save-prod --omit=dev --ignore-scripts --no-audit --no-fund \
      $(node -p "['botbuilder', 'restify'].map((n) => n + '@' + require('./package.json').devDependencies[n]).join(' ')") \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY manifest.json ./
# The embedded store's folder (unused with MONGODB_URI): a volume the node user can write.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3978
# No curl in slim images: node asks /healthz itself (200 once ready and the store reads and writes, else 503).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs once dist/ is built (scripts/start.js), without its build check: the image
# has no sources. --no-deprecation: restify's process.binding warning, as start.js silences it.
CMD ["node", "--no-deprecation", "dist/bot/main.js"]
