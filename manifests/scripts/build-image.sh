#!/bin/sh
# Builds one component's artifact. slipway sets SLIPWAY_COMPONENT, SLIPWAY_BUILD_NUMBER,
# SLIPWAY_IMAGE_URI and SLIPWAY_COMMIT. No Docker daemon is needed for the demo: the
# "image" is a zip of the component folder plus a manifest naming its URI. With Docker,
# replace the body with: docker build -t "$SLIPWAY_IMAGE_URI" "$1" && docker push "$SLIPWAY_IMAGE_URI"
set -eu
out=".slipway/artifacts/${SLIPWAY_COMPONENT:-local}"
mkdir -p "$out"
(cd "$1" && find . -type f | sort) > "$out/files.txt"
printf '{"image": "%s", "commit": "%s"}\n' "${SLIPWAY_IMAGE_URI:-}" "${SLIPWAY_COMMIT:-}" > "$out/image.json"
