# syntax=docker/dockerfile:1
# The MLflow tracking server of the one-host stack (infra/docker-compose.yml): Postgres as the
# backend and model-registry store (psycopg2), MinIO/S3 as the artifact store (boto3), artifacts
# proxied through the server (`--artifacts-destination`), so clients need no S3 credentials to
# log or load models. The command and its arguments are in docker-compose.yml.
# MLFLOW_VERSION: the mlflow the project runs (pyproject allows >=3.5,<4); tests/test_infra.py
# checks it against the installed client, as the server's API and database schema follow it.
FROM python:3.11-slim-bookworm

ARG MLFLOW_VERSION=3.17.2
ARG PSYCOPG2_VERSION=2.9.13
ARG BOTO3_VERSION=1.43.117
# The basic-auth app (`--app-name basic-auth`) needs Flask-WTF for its CSRF protection.
ARG FLASK_WTF_VERSION=1.3.0

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

RUN python -m pip install \
      "mlflow==${MLFLOW_VERSION}" \
      "Flask-WTF==${FLASK_WTF_VERSION}" \
      "psycopg2-binary==${PSYCOPG2_VERSION}" \
      "boto3==${BOTO3_VERSION}" \
 && useradd --create-home --uid 1000 mlflow

USER mlflow
WORKDIR /home/mlflow
EXPOSE 5000
CMD ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000"]
