"""payments Lambda: star packages, PaymentIntents, payment history."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.payments.api import router

    app = create_app("payments", router)
handler = Mangum(app, lifespan="off")
