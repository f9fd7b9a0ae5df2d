"""health Lambda: GET / reports version and whether Postgres and Redis are reachable."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.health.api import router

    app = create_app("health", router)
handler = Mangum(app, lifespan="off")
