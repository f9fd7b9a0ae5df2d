"""stripe_webhook Lambda: verified Stripe events credit, fail, refund and dispute payments."""

from mimi.coldstart import loading

with loading():
    from mangum import Mangum

    from mimi.app import create_app
    from mimi.payments.webhook_api import router

    app = create_app("stripe_webhook", router)
handler = Mangum(app, lifespan="off")
