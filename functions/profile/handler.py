"""profile Lambda: the user's profile, balances, level and ledger."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.profile.api import router

    app = create_app("profile", router)
handler = Mangum(app, lifespan="off")
