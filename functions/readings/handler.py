"""readings Lambda: submit a question, reading history, one reading, delete, review."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.readings.api import router

    app = create_app("readings", router)
handler = Mangum(app, lifespan="off")
