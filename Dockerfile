# denit as a FROM-scratch image.
#
#   docker build -t denit .                                   # compiled binary (needs denort)
#   docker build -t denit --build-arg DENIT_RUNTIME=bundle .  # deno + bundled denit.js
#
# To put denit into your own image, build it in a stage of that image's Dockerfile instead
# (examples/*/Dockerfile: scripts/install_denit.ts, either runtime, no locally built image).
# Not exercised by CI here (no Docker engine); tests/e2e_rootfs_test.ts runs the same
# root file system, built by the same script, read-only under chroot as PID 1.

ARG DENO_VERSION=2.9.6
# compiled: one binary, ENTRYPOINT ["/denit", "--"]; bundle: /deno + /denit.js (no denort needed).
ARG DENIT_RUNTIME=compiled

FROM node:24-slim AS builder
ARG DENO_VERSION
ARG DENIT_RUNTIME
RUN npm install -g "deno@${DENO_VERSION}"
WORKDIR /src
COPY . .
# The compiled root file system fails the build here, with compile.ts's one line, when denort
# cannot be fetched; the bundle one is always built (from the sources as they are now).
RUN mkdir -p /rootfs-compiled && if [ "$DENIT_RUNTIME" = compiled ]; then \
      deno task compile && deno run -A scripts/build_rootfs.ts /rootfs-compiled --runtime compiled; fi
RUN deno run -A scripts/build_rootfs.ts /rootfs-bundle --runtime bundle

FROM scratch AS bundle
COPY --from=builder /rootfs-bundle/ /
ENV DENO_DIR=/deno-dir HOME=/
STOPSIGNAL SIGTERM
ENTRYPOINT ["/deno", "run", "-q", "-A", "--no-config", "--no-lock", "/denit.js", "--"]

FROM scratch AS compiled
COPY --from=builder /rootfs-compiled/ /
ENV DENO_DIR=/deno-dir HOME=/
STOPSIGNAL SIGTERM
ENTRYPOINT ["/denit", "--"]

FROM ${DENIT_RUNTIME}
