# mls-relay container image: a Nostr relay for MLS-over-Nostr group messaging.
#
#   docker build -t mls-relay .
#   docker run -p 8080:8080 -e RELAY_URL=ws://localhost:8080 -e RELAY_AUTH_ALLOWLIST=npub1... mls-relay
#
# Three stages on one base image (node:20-slim, Debian bookworm): `build` compiles TypeScript with the dev dependencies, `deps`
# installs the production dependencies from the lockfile (better-sqlite3 is native: it is built
# here, on the same base as the runtime, so the runtime needs no compiler), `runtime` gets only
# node_modules, dist/, config/ and package.json. No Docker engine runs where this project is
# developed: scripts/image-smoke.ts replays these steps (test/deploy/image-smoke.test.ts), so keep
# every RUN to the forms it understands (npm, apt-get, mkdir -p, chown).

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# tsc needs the type packages, not the native builds: skipping install scripts skips node-gyp.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY extensions ./extensions
RUN npm run build

FROM node:20-slim AS deps
# node-gyp's toolchain, for better-sqlite3 (and the optional bcrypto) when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim AS runtime
# config/relay.toml listens on 127.0.0.1; a container must listen on every interface. Cloud Run sets PORT.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
# Root owns the code (the relay cannot rewrite itself); only data/ (the SQLite default) is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# Cloud Run ignores HEALTHCHECK (it probes on its own); docker and compose use it. Node 20 has fetch: no curl needed.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives Cloud Run's SIGTERM itself (graceful drain in src/main.ts).
CMD ["node", "dist/src/main.js", "start"]
