# customs-gateway: the wheel in a slim Python image, run as a user without privileges.
#   docker build -t customs-gateway .
#   docker run -p 8080:8080 -e GATEWAY_DATABASE_URL=postgresql+asyncpg://... customs-gateway
# compose.yaml runs it with PostgreSQL and RabbitMQ; docs/operations.md says how to operate it.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/gateway/bin:$PATH \
    GATEWAY_SERVER_HOST=0.0.0.0 \
    GATEWAY_SERVER_PORT=8080
COPY --from=build /wheels /wheels
RUN python -m venv /opt/gateway \
    && /opt/gateway/bin/pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /var/lib/gateway --create-home gateway
# the working folder holds what the gateway makes itself when nothing is configured (the DEMO
# receipt signer in gateway-receipt-signer/, a SQLite gateway.db): mount a volume here, or configure
# [receipts] key/certificate and a PostgreSQL [database] url
WORKDIR /var/lib/gateway
USER gateway
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('GATEWAY_SERVER_PORT', '8080'), timeout=2)"]
ENTRYPOINT ["gateway"]
CMD ["serve", "--workers", "2"]
