#!/bin/sh
# Example decommission script: must succeed when the color is already gone.
set -eu
kubectl -n "$KUBE_NAMESPACE" delete deployment "${BLUEGREEN_SERVICE}-${BLUEGREEN_COLOR}" --ignore-not-found
