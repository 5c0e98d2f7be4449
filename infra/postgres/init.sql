-- One Postgres, two databases: `prefect` (Prefect server) and `mlflow` (MLflow tracking and
-- registry), each owned by its own login role.
--
-- Run once by the postgres image's entrypoint, when the data volume is first initialised
-- (/docker-entrypoint-initdb.d), as the superuser $POSTGRES_USER connected to $POSTGRES_DB
-- (= prefect, which the entrypoint has just created), with ON_ERROR_STOP set. It does not run
-- again on an existing volume: to change a password later use ALTER ROLE ... PASSWORD.
--
-- Passwords come from the container's environment (psql's \getenv, PostgreSQL >= 15), which
-- docker-compose.yml fills from infra/.env; nothing secret is written here. An unset variable
-- leaves its psql variable undefined, and the statement using it then fails the init.

\getenv prefect_password PREFECT_DB_PASSWORD
\getenv mlflow_password MLFLOW_DB_PASSWORD

CREATE ROLE prefect LOGIN PASSWORD :'prefect_password';
CREATE ROLE mlflow LOGIN PASSWORD :'mlflow_password';

-- $POSTGRES_DB was created by the entrypoint for the superuser; hand it to its service role.
ALTER DATABASE prefect OWNER TO prefect;
CREATE DATABASE mlflow OWNER mlflow;

-- Since PostgreSQL 15 the public schema belongs to the database owner (pg_database_owner),
-- so each role can create its tables; nobody else may connect.
REVOKE ALL ON DATABASE prefect FROM PUBLIC;
REVOKE ALL ON DATABASE mlflow FROM PUBLIC;
