# One image for every app: api, worker, migrate (cli), the WeCom and the Youzan simulators.
# The compose file picks the entry point; paths are dist/apps/<app>/main.js.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# IMPORT_DIR (order uploads and their reports): compose mounts the shared `imports` volume here;
# a new named volume takes this directory's owner, so the apps (user node) can write it.
RUN mkdir -p /var/lib/wpp/imports && chown -R node:node /var/lib/wpp
ENV IMPORT_DIR=/var/lib/wpp/imports
USER node
EXPOSE 3000
CMD ["node", "--max-semi-space-size=32", "dist/apps/api/main.js"]
