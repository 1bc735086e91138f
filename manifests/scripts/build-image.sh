#!/bin/sh
# Builds one component's image: `build-image.sh FOLDER [SHARED_FOLDER...]`.
#
# slipway runs it with SLIPWAY_COMPONENT, SLIPWAY_BUILD_NUMBER, SLIPWAY_IMAGE_URI,
# SLIPWAY_COMMIT and SLIPWAY_REPO_ROOT set. No Docker daemon is needed for the demo: the
# "image" is a zip of the component's folder (and the shared folders it uses) plus an image
# manifest naming its URI, under .slipway/artifacts/. With Docker and ECR, replace the
# packaging below by:
#   docker build -t "$SLIPWAY_IMAGE_URI" "$1" && docker push "$SLIPWAY_IMAGE_URI"
# (after `aws ecr get-login-password | docker login --username AWS --password-stdin ...`).
set -eu
component=${SLIPWAY_COMPONENT:-$(basename "$1")}
out=".slipway/artifacts/$component"
mkdir -p "$out"
python3 - "$out/image.zip" "$@" <<'PY'
import os, sys, zipfile
target, folders = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                z.write(os.path.join(root, name))
PY
digest=$(sha256sum "$out/image.zip" | cut -c1-64)
printf '{"image": "%s", "digest": "sha256:%s", "commit": "%s", "build": %s}\n' \
  "${SLIPWAY_IMAGE_URI:-}" "$digest" "${SLIPWAY_COMMIT:-}" "${SLIPWAY_BUILD_NUMBER:-0}" > "$out/image.json"
echo "$component: ${SLIPWAY_IMAGE_URI:-local} (sha256:$(echo "$digest" | cut -c1-12))"
