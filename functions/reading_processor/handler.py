"""reading_processor Lambda: QStash-signed reading jobs and their failure callbacks."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.readings.processor_api import router

    app = create_app("reading_processor", router)
handler = Mangum(app, lifespan="off")
