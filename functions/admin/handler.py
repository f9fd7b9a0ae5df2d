"""admin Lambda: the back office. Acts as the calling admin; every action is one audited SQL function."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.admin.api import router
    from mimi.app import create_app

    app = create_app("admin", router)
handler = Mangum(app, lifespan="off")
