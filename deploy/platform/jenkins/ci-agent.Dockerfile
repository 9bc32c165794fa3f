# The `ci` container of the Jenkins `release` pod template (values.yaml): Node 24 and the Debian packages that
# .ci/run would install with apt-get, which it cannot do as the non-root user the pod runs as.
#   buildctl build --frontend dockerfile.v0 --local context=. --local dockerfile=deploy/platform/jenkins \
#     --opt filename=ci-agent.Dockerfile --output type=image,name=ghcr.io/lab-observability/jenkins-ci-agent:1,push=true
FROM node:24.11.0-bookworm
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager chromium \
 && rm -rf /var/lib/apt/lists/*
# uid 1000 is the image's `node` user.
USER 1000
