"""credits Lambda: coin exchange, daily check-in, referral link."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.credits.api import router

    app = create_app("credits", router)
handler = Mangum(app, lifespan="off")
