# denit as a FROM-scratch image.
#
#   docker build -t denit .                      # compiled binary (needs network for denort)
#   docker build -t denit --target bundle .      # fallback: deno + bundled denit.js
#
# Then copy /denit into your image (see examples/) or use this image as a base.
# Not exercised by CI here (no Docker engine); tests/rootfs_test.ts runs the same
# root file system, built by the same script, read-only under chroot as PID 1.

ARG DENO_VERSION=2.9.6

FROM node:20-bookworm-slim AS builder
ARG DENO_VERSION
RUN npm install -g "deno@${DENO_VERSION}"
WORKDIR /src
COPY . .
RUN deno task bundle
# Build both root file systems: the compiled one (if denort can be fetched) and the bundle one.
RUN deno task compile && deno run -A scripts/build_rootfs.ts /rootfs-compiled || true
RUN rm -f dist/denit && deno run -A scripts/build_rootfs.ts /rootfs-bundle

FROM scratch AS bundle
COPY --from=builder /rootfs-bundle/ /
ENV DENO_DIR=/deno-dir HOME=/
ENTRYPOINT ["/deno", "run", "-A", "--no-config", "--no-lock", "/denit.js", "--"]

FROM scratch AS compiled
COPY --from=builder /rootfs-compiled/ /
ENV DENO_DIR=/deno-dir HOME=/
ENTRYPOINT ["/denit", "--"]
