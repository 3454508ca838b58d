# The bridge daemon. Build: docker build -t escalation-bridge .
# Run:   docker run --env-file .env -p 8080:8080 -v bridge-data:/data escalation-bridge
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BRIDGE_HTTP_HOST=0.0.0.0 \
    BRIDGE_STORE_URL=sqlite:////data/bridge.db \
    BRIDGE_RULES=/app/rules.yaml

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bridge ./bridge
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app bridge \
    && mkdir /data && chown bridge /data
COPY rules.yaml ./rules.yaml

USER bridge
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import os,sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BRIDGE_HTTP_PORT', '8080')).status != 200)"
ENTRYPOINT ["bridge"]
CMD ["run"]
