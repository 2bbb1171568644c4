"""Database role and database names shared by the embedded bootstrap, migrations and tests.

The login roles are split by process: a compromised API process cannot become the
maintenance role, which only the workers' login may assume (``SET LOCAL ROLE``).
"""

OWNER_ROLE = "bulkreg_owner"  # owns the schema, runs migrations
APP_ROLE = "bulkreg_app"  # no login: the grants and policies the API and the workers share
API_ROLE = "bulkreg_api"  # the API's login: member of APP_ROLE, nothing more
WORKER_ROLE = "bulkreg_worker"  # the workers' login: member of APP_ROLE, may act as maintenance
MAINTENANCE_ROLE = "bulkreg_maintenance"  # reconcile/sweep/claims, reached only by SET LOCAL ROLE
DATABASE = "bulkreg"
