"""The admin back office: lookups and audited actions, each one SQL function that checks is_admin() itself."""
