# denit as a FROM-scratch image.
#
#   docker build -t denit .                                   # compiled binary (needs denort)
#   docker build -t denit --build-arg DENIT_RUNTIME=bundle .  # fallback: deno + bundled denit.js
#
# Then copy /denit into your image (see examples/) or use this image as a base.
# Not exercised by CI here (no Docker engine); tests/e2e_rootfs_test.ts runs the same
# root file system, built by the same script, read-only under chroot as PID 1.

ARG DENO_VERSION=2.9.6
# compiled: one binary, ENTRYPOINT ["/denit", "--"]; bundle: /deno + /denit.js (no denort needed).
ARG DENIT_RUNTIME=compiled

FROM node:20-bookworm-slim AS builder
ARG DENO_VERSION
ARG DENIT_RUNTIME
RUN npm install -g "deno@${DENO_VERSION}"
WORKDIR /src
COPY . .
RUN deno task bundle
# The compiled root file system fails the build here, with compile.ts's one line, when denort
# cannot be fetched; the bundle one is always built.
RUN mkdir -p /rootfs-compiled && if [ "$DENIT_RUNTIME" = compiled ]; then \
      deno task compile && deno run -A scripts/build_rootfs.ts /rootfs-compiled; fi
RUN rm -f dist/denit && deno run -A scripts/build_rootfs.ts /rootfs-bundle

FROM scratch AS bundle
COPY --from=builder /rootfs-bundle/ /
ENV DENO_DIR=/deno-dir HOME=/
ENTRYPOINT ["/deno", "run", "-A", "--no-config", "--no-lock", "/denit.js", "--"]

FROM scratch AS compiled
COPY --from=builder /rootfs-compiled/ /
ENV DENO_DIR=/deno-dir HOME=/
ENTRYPOINT ["/denit", "--"]

FROM ${DENIT_RUNTIME}
