"""reconcile Lambda: the nightly reconciliation, on a signed QStash schedule."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.reconcile.api import router

    app = create_app("reconcile", router)
handler = Mangum(app, lifespan="off")
