#!/bin/sh
# Example provision script for the command provider: deploy one color with kubectl.
# Must be idempotent: bluegreen may run it again after a retry.
set -eu
kubectl -n "$KUBE_NAMESPACE" apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${BLUEGREEN_SERVICE}-${BLUEGREEN_COLOR} }
spec:
  replicas: 3
  selector: { matchLabels: { app: ${BLUEGREEN_SERVICE}, color: ${BLUEGREEN_COLOR} } }
  template:
    metadata: { labels: { app: ${BLUEGREEN_SERVICE}, color: ${BLUEGREEN_COLOR} } }
    spec:
      containers:
        - name: app
          image: registry.example.com/${BLUEGREEN_SERVICE}:${BLUEGREEN_VERSION}
YAML
kubectl -n "$KUBE_NAMESPACE" rollout status "deployment/${BLUEGREEN_SERVICE}-${BLUEGREEN_COLOR}" --timeout=10m
