"""auth Lambda: LINE login, refresh-token rotation, logout."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.auth.api import router

    app = create_app("auth", router)
handler = Mangum(app, lifespan="off")
