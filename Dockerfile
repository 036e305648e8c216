# syntax=docker/dockerfile:1
# Parley image: compile with dev dependencies, run with production ones only.
#   docker build -t parley .
# The runtime is configured by environment only (src/config/config.schema.ts).
# No HEALTHCHECK on purpose: orchestrators probe /health/live and /health/ready.

# The major of .nvmrc and package.json's engines (Node 26, the active LTS), on Debian 13.
ARG NODE_IMAGE=node:26-trixie-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# @scarf/scarf (pulled in by swagger-ui) phones home from its install script.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
# The SDK is an npm workspace (client/): its manifest is part of the install.
COPY client/package.json ./client/

# Production dependencies, straight from the lockfile. (Not `npm prune --omit=dev`
# after the build: prune re-resolves peer dependencies and can fail with ERESOLVE
# where `npm ci` installs the locked tree.)
FROM base AS deps
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM base AS build
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY client ./client
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root: the service user can read, never rewrite, its own code.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# /demo: the page and the built SDK it imports.
COPY client/package.json ./client/
COPY client/demo ./client/demo
COPY --from=build /app/client/dist ./client/dist
# The image's `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# node as PID 1 is fine here: the app installs its own SIGTERM/SIGINT handlers
# (enableShutdownHooks + a bounded shutdown timer in main.ts).
CMD ["node", "dist/main.js"]
