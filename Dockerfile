# syntax=docker/dockerfile:1
# The operator's image. Stage one builds the package and its dependencies into a virtualenv;
# stage two copies only that virtualenv onto a slim Python base and runs it as an
# unprivileged user (the chart adds a read-only root filesystem and drops all capabilities).
#
#   docker build -t m365-inventory-operator:0.1.0 .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/m365-inventory
WORKDIR /src
COPY pyproject.toml README.md ./
COPY crds ./crds
COPY operator ./operator
RUN /opt/m365-inventory/bin/pip install . \
 && /opt/m365-inventory/bin/m365-inventory --help >/dev/null

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="m365-inventory-operator" \
      org.opencontainers.image.description="Documents Microsoft 365, Entra ID and Intune tenants as Kubernetes resources" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/m365-inventory /opt/m365-inventory
ENV PATH=/opt/m365-inventory/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# A numeric user, so that runAsNonRoot can verify it without a passwd entry.
USER 65532:65532
WORKDIR /tmp
EXPOSE 8080 8081
ENTRYPOINT ["m365-inventory"]
CMD ["run", "--metrics-port=8080", "--liveness=http://0.0.0.0:8081/healthz"]
