"""Local stand-ins for the cloud services MiMiVibes uses. Never packaged into a Lambda."""
