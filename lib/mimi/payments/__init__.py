"""Payments: THB star packages, Stripe PaymentIntents, the verified webhook, refunds, disputes and history."""
