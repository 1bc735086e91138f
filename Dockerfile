# slipway's container image: Debian 12 slim with the slipway package, git (for checkouts and
# the history slipway diffs), and the Docker CLI and daemon with Amazon's ECR credential
# helper for the builds that make images. Use it as a CodeBuild custom image (privileged
# mode; the buildspec starts dockerd) or as a GitHub Actions job container (GitHub mounts
# the runner's Docker socket). Build it from a clone of this repository, nothing else:
#   docker build -t slipway:0.2.0 .
#   docker run --rm -v "$PWD:/src" slipway:0.2.0 affected --base origin/main
# The first stage builds the .deb with the repository's own scripts; the second installs it
# with apt, which resolves its Depends. tests/package/dockerfile_test.py replays the second
# stage's steps in a Debian 12 root.
# A checkout owned by another user than the container's is trusted: by git through
# safe.directory '*'; by slipway (libgit2 1.5 ignores '*') at /src, and wherever the CI
# system lists it (actions/checkout does).
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh --build-only && bash scripts/package.sh

FROM debian:12-slim
COPY --from=build /src/build-release/slipway_*_amd64.deb /tmp/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/slipway_*_amd64.deb \
      ca-certificates git docker.io amazon-ecr-credential-helper \
 && rm -rf /var/lib/apt/lists/* /tmp/slipway_*_amd64.deb \
 && git config --system --add safe.directory '*' \
 && git config --system --add safe.directory /src
WORKDIR /src
ENTRYPOINT ["slipway"]
CMD ["--help"]
