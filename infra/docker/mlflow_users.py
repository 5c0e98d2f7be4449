"""Create the MLflow service accounts of the compose stack, once (the `mlflow-users` service).

The basic-auth app creates only its admin (MLFLOW_AUTH_ADMIN_USERNAME / _PASSWORD). This adds the
accounts the stack's clients sign in with, each from an environment variable holding its password:

    MLFLOW_PIPELINE_PASSWORD  -> user claimvlm-pipeline (the workers: runs, models, aliases)
    MLFLOW_SERVE_PASSWORD     -> user claimvlm-serve    (the service: reads the champion)

A user that exists is left as it is (rotate with the update-password API), so a restart is a no-op.
The service account reads only (the server's default permission); the pipeline gets MANAGE on
what it creates. Run with MLFLOW_TRACKING_URI set to the server and the admin's credentials in
MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD.
"""

from __future__ import annotations

import os
import sys

ACCOUNTS = {"claimvlm-pipeline": "MLFLOW_PIPELINE_PASSWORD", "claimvlm-serve": "MLFLOW_SERVE_PASSWORD"}


def main() -> int:
    passwords = {user: os.environ.get(variable, "") for user, variable in ACCOUNTS.items()}
    weak = [ACCOUNTS[user] for user, password in passwords.items()
            if len(password) < 12 or password.startswith("change-me")]
    if weak:  # checked before any account is made, so a half-configured stack creates nothing
        print(f"{', '.join(weak)}: unset, a placeholder or shorter than 12 characters", file=sys.stderr)
        return 2
    from mlflow.exceptions import RestException
    from mlflow.server.auth.client import AuthServiceClient

    client = AuthServiceClient(os.environ["MLFLOW_TRACKING_URI"])
    for user, password in passwords.items():
        try:
            client.get_user(user)
            print(f"{user}: exists, left as it is")
        except RestException as err:
            if err.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            client.create_user(user, password)
            print(f"{user}: created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
