# euca2nova: the server (API + wizard) and the euca2nova command, on an external PostgreSQL.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY apps/cli/package.json apps/cli/
COPY packages/model/package.json packages/model/
COPY packages/state/package.json packages/state/
COPY packages/eucalyptus/package.json packages/eucalyptus/
COPY packages/nova/package.json packages/nova/
COPY packages/engine/package.json packages/engine/
COPY packages/euca-sim/package.json packages/euca-sim/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    EUCA2NOVA_DATA_DIR=/var/lib/euca2nova
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# Named volumes start with the ownership of these folders, so the node user can write them.
RUN mkdir -p /var/lib/euca2nova /srv/euca-sim && chown node:node /var/lib/euca2nova /srv/euca-sim
USER node
VOLUME ["/var/lib/euca2nova"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/cli/bin/euca2nova.js"]
CMD ["serve"]
