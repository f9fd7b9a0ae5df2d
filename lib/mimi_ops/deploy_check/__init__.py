"""`make deploy-check`: render the stack offline with osls, lint it (cfn-lint, actionlint), check our own rules."""
